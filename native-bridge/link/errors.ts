// Environment: any (plain TypeScript; native-bridge).
/**
 * The error codes of the open protocol (docs/protocol.md, "Error codes"). A peer sends them in an `error`
 * message; the companion maps them to messages that tell the user what to do next.
 */
export const ERROR_CODES = [
  'bad-frame',
  'bad-message',
  'unknown-type',
  'not-paired',
  'pairing-disabled',
  'pairing-closed',
  'pairing-busy',
  'auto-refused',
  'not-on-pc-port',
  'pairing-failed',
  'unsupported',
  'invalid-state',
  'invalid-number',
  'busy',
  'policy',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** An error the peer reported in an `error` message, or one we will report to it. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The link itself failed: closed, timed out, TLS refused, a peer that is not who it should be. */
export class LinkError extends Error {
  override readonly name = 'LinkError';
  constructor(
    readonly reason:
      'closed' | 'timeout' | 'tls' | 'alpn' | 'not-paired' | 'identity-changed' | 'unreachable' | 'protocol',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
