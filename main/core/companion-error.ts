// Environment: any (plain TypeScript; main process core).
/** Failures the user can act on; `kind` picks the exit code and the advice. */
export class CompanionError extends Error {
  override readonly name = 'CompanionError';
  constructor(
    readonly kind:
      | 'not-paired'
      | 'ambiguous'
      | 'unreachable'
      | 'no-answer'
      | 'pairing-failed'
      | 'identity-changed'
      | 'refused'
      | 'policy'
      | 'usage'
      /** The phone's driver lacks the capability (lock on a Poly or Yealink phone): phone-driver.ts. */
      | 'not-available',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
