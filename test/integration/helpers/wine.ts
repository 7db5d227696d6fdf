// Environment: Node (test helper).
// Debian's wine (64-bit programs only here) and makensis, for the tests that check what the Windows installer
// writes and how the app reads the registry. Each WinePrefix is a private registry and C: drive under a temp dir.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RegRunner, runProcess } from '../../../main/core/policy-registry.js';

/** Why the wine tests cannot run here, or undefined when they can. */
export function wineUnavailable(
  needs: Array<'wine' | 'makensis'> = ['wine', 'makensis'],
): string | undefined {
  const probes: Record<string, [string, string[], string]> = {
    wine: ['wine', ['--version'], 'wine (apt-get install wine)'],
    makensis: ['makensis', ['-VERSION'], 'makensis (apt-get install nsis)'],
  };
  const missing = needs.filter((tool) => {
    const [file, args] = probes[tool]!;
    try {
      execFileSync(file, args, { stdio: 'ignore', timeout: 60_000 });
      return false;
    } catch {
      return true;
    }
  });
  return missing.length === 0 ? undefined : `missing ${missing.map((m) => probes[m]![2]).join(' and ')}`;
}

export class WinePrefix {
  private constructor(readonly dir: string) {}

  static async create(): Promise<WinePrefix> {
    const prefix = new WinePrefix(await mkdtemp(join(tmpdir(), 'btoe-wine-')));
    // The first boot of a prefix takes a while (tens of seconds on a loaded machine): done once per test file.
    const boot = await prefix.run('wineboot', ['-i'], 600_000);
    if (boot.code !== 0) throw new Error(`wineboot failed (${boot.code}): ${boot.stderr.slice(-2000)}`);
    return prefix;
  }

  get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      WINEPREFIX: join(this.dir, 'prefix'),
      WINEDEBUG: '-all',
      // No Mono or Gecko installer prompts on first boot.
      WINEDLLOVERRIDES: 'mscoree,mshtml=',
      DISPLAY: '',
    };
  }

  /** The Unix path of C:\ in this prefix. */
  get driveC(): string {
    return join(this.dir, 'prefix', 'drive_c');
  }

  run(program: string, args: readonly string[], timeoutMs = 300_000) {
    return runProcess(program, args, this.env, timeoutMs);
  }

  /** `wine reg …`: the same runner shape the app gives Windows' reg.exe. */
  readonly reg: RegRunner = (args) => this.run('wine', ['reg', ...args]);

  async dispose(): Promise<void> {
    await this.run('wineserver', ['-k'], 60_000);
    await rm(this.dir, { recursive: true, force: true });
  }
}
