// Environment: any. Kept apart from window.ts (which imports electron) so tests can compare it with
// the <meta> tag in renderer/index.html: the page carries the same policy however it is loaded.

/** Local scripts and styles only: no inline code, no network, no plugins, no form posts. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join('; ');
