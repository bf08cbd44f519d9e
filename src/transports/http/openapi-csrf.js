/**
 * Browser script of `/docs` (issue 12): Swagger UI's "Try it out" for a signed-in browser. A
 * cookie-authenticated change must carry the `parley_csrf` cookie's value in the `x-csrf-token`
 * header (csrf.ts), so every same-origin request other than GET, HEAD or OPTIONS gets it: from the
 * cookie, or, when the browser has none yet, from `GET /api/v1/csrf` (which also sets the cookie).
 *
 * A static file rather than a function in the plugin's `uiConfig`: that function would be
 * serialised with `toString()` after the TypeScript loader rewrote it (its `__name` helpers do not
 * exist in the page), and the page's CSP allows no inline script. The plugin loads this file after
 * its `swagger-initializer.js`, which builds Swagger UI on `window.onload` through the global
 * `SwaggerUIBundle`: wrapping that global here adds the interceptor to the UI it builds.
 */
(() => {
  const SAFE_METHODS = ['GET', 'HEAD', 'OPTIONS'];
  const COOKIE = 'parley_csrf=';

  /** The `parley_csrf` cookie's value, or undefined when the browser has none. */
  const cookieToken = () => {
    const pair = document.cookie.split('; ').find((entry) => entry.startsWith(COOKIE));
    return pair === undefined ? undefined : decodeURIComponent(pair.slice(COOKIE.length));
  };

  /** A token from the server, which also sets the cookie for the next requests. */
  const fetchToken = async () => {
    const response = await fetch('/api/v1/csrf', { credentials: 'same-origin' });
    return (await response.json()).token;
  };

  /** Swagger UI's `requestInterceptor`: add `x-csrf-token` to a same-origin state-changing request. */
  const withCsrfToken = async (request) => {
    const method = String(request.method ?? 'GET').toUpperCase();
    if (SAFE_METHODS.includes(method) || new URL(request.url, location.href).origin !== location.origin) return request;
    request.headers = { ...request.headers, 'x-csrf-token': cookieToken() ?? (await fetchToken()) };
    return request;
  };

  const build = window.SwaggerUIBundle;
  window.SwaggerUIBundle = Object.assign((config) => build({ ...config, requestInterceptor: withCsrfToken }), build);
})();
