/** Parley's Content-Security-Policy header value, shared by `app.ts` (every response) and the embed page. */

/**
 * Parley's Content-Security-Policy, with `frameAncestors` (CSP sources such as `'none'` or
 * `https://app.example.com`) as the pages that may frame the response. No inline script or style.
 */
export function contentSecurityPolicy(frameAncestors: readonly string[]): string {
  return `default-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors ${frameAncestors.join(' ')}; form-action 'self'`;
}
