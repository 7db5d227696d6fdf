// Environment: Node (the btoe command).
// V8 settings for `btoe daemon`, a small service resident all day (docs/performance.md, "Memory").

/**
 * `--semi-space-growth-factor=1`: the young generation keeps its initial 1 MB semi-spaces instead of growing them
 * up to 16 MB under a burst of events: the daemon's RSS after the long bench run falls by about 12 MB, at the price
 * of more (sub-millisecond) scavenges. Unlike --max-semi-space-size, this flag takes effect when set at run time.
 *
 * `--no-opt`: no optimizing compiler (TurboFan); functions run in the interpreter and Sparkplug's baseline code.
 * A daemon that handles a few events a minute gains nothing from optimized code, and its pages of the node binary
 * and its compiled code cost 6-8 MiB of RSS after the long run (measured side by side, docs/performance.md); the
 * lock and dial latency goals of issue 11 still hold. Set at run time, it stops functions from tiering up.
 *
 * Both at run time, so `btoe daemon` needs no NODE_OPTIONS, wrapper or re-exec. The old generation's own limits
 * are left to V8.
 */
export const DAEMON_V8_FLAGS = ['--semi-space-growth-factor=1', '--no-opt'] as const;

/** Applies DAEMON_V8_FLAGS; called before the daemon's modules load, so their start-up allocations obey it. */
export async function useDaemonHeapSettings(): Promise<void> {
  const { setFlagsFromString } = await import('node:v8');
  for (const flag of DAEMON_V8_FLAGS) setFlagsFromString(flag);
}
