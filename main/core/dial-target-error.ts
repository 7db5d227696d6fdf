// Environment: any (plain TypeScript; main process core).
/**
 * The click-to-call parser's error, in a module of its own so that code which only reports the error does not
 * load libphonenumber's metadata (about 10 MB) before anything is dialled.
 */
export type DialTargetReason =
  | 'empty'
  | 'too-long'
  | 'bad-character'
  | 'bad-encoding'
  | 'scheme'
  | 'syntax'
  | 'name'
  | 'no-user'
  | 'service-code'
  | 'private-numbering'
  | 'needs-region'
  | 'extension'
  | 'invalid-number';

export class DialTargetError extends Error {
  override readonly name = 'DialTargetError';
  constructor(
    message: string,
    /** A stable code for programs (IPC, logs); the message is for people. */
    readonly reason: DialTargetReason = 'syntax',
  ) {
    super(message);
  }
}
