// Environment: any (plain TypeScript + zod).
import type { z } from 'zod';

/** Turns a zod failure into one sentence a user or a log reader can act on. */
export function describeInvalid(what: string, error: z.ZodError): string {
  const problems = error.issues.map((issue) =>
    issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
  );
  return `${what} is invalid: ${problems.join('; ')}`;
}
