/**
 * Integrator JWTs (issue: identity and access — integrator JWTs; RFC 7519, RFC 8725 JWT BCP): an
 * integrator's backend signs a token for one of its users, and that token is the user's credential
 * in Parley — in `Authorization: Bearer`, in `?token=` at the WebSocket upgrade, or in an `auth`
 * frame (which also renews a live socket). See docs/integrator-tokens.md.
 *
 * Checks, all by jose's `jwtVerify`:
 * - the algorithm is fixed by the configured key, never by the token: `HS256` only with a shared
 *   secret (`PARLEY_JWT_SECRET`), `RS256`/`ES256`/`EdDSA` only with a key set (`PARLEY_JWT_JWKS_URL`).
 *   `none` is never accepted, and an HS256 token cannot be checked against a public key
 *   (algorithm confusion, RFC 8725 §2.1 and §3.1);
 * - `iss` equals `PARLEY_JWT_ISSUER`, `aud` contains `PARLEY_JWT_AUDIENCE`, `exp` and `sub` are
 *   present, `exp` and `nbf` hold within `PARLEY_JWT_CLOCK_SKEW_MS`;
 * - `exp` is at most `PARLEY_JWT_MAX_LIFETIME_MS` (plus the skew) ahead: a token that lives for
 *   years, or whose `exp` was written in milliseconds instead of seconds, is refused with
 *   `UNAUTHENTICATED` and a message saying so (RFC 8725 §3.10: short-lived tokens);
 * - the claims have the shape of {@link IntegratorClaims}; a properly signed token whose display
 *   name (the `name` claim, or `sub` without one) breaks the `DisplayName` rule (issue 11) is
 *   refused with `VALIDATION_FAILED` naming `name` and the reason, so the integrator learns why.
 *
 * Parley's own tokens (`tokens.ts`) have the issuer `parley`, which configuration refuses as an
 * integrator's issuer, so neither kind is ever accepted as the other.
 */
import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { DisplayName, ParleyError, validationError } from '../protocol/index.ts';
import { INTEGRATOR_USER_PREFIX, IntegratorClaims } from '../protocol/integrator-token.ts';
import { presentedToken, type Authenticator, type Credentials, type Principal } from './principal.ts';
import { looksLikeJwt } from './tokens.ts';

/** The integrator-JWT settings (`config.jwt`); enabled when `secret` or `jwksUrl` is set, not both. */
export interface IntegratorJwtOptions {
  /** HS256 shared secret (PARLEY_JWT_SECRET). Never log it. */
  readonly secret: string | undefined;
  /** URL of the integrator's JSON Web Key Set (PARLEY_JWT_JWKS_URL). */
  readonly jwksUrl: string | undefined;
  /** Required `iss` (PARLEY_JWT_ISSUER); required when enabled. */
  readonly issuer: string | undefined;
  /** Required `aud` (PARLEY_JWT_AUDIENCE). */
  readonly audience: string;
  /** Tolerated clock difference for `exp` and `nbf`, in ms (PARLEY_JWT_CLOCK_SKEW_MS). */
  readonly clockSkewMs: number;
  /** Furthest `exp` accepted, in ms from now (PARLEY_JWT_MAX_LIFETIME_MS). */
  readonly maxLifetimeMs: number;
}

/** Algorithms accepted with a shared secret. */
const SECRET_ALGORITHMS = ['HS256'];
/** Algorithms accepted with a key set: asymmetric only, so a public key never serves as an HMAC key. */
const KEY_SET_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];
/** Longest token considered, in characters (the `auth` frame's limit). */
const MAX_TOKEN_CHARS = 8192;

export class IntegratorJwtAuthenticator implements Authenticator {
  readonly #key: Uint8Array | JWTVerifyGetKey;
  readonly #issuer: string;
  readonly #verify: JWTVerifyOptions;
  readonly #clockSkewMs: number;
  readonly #maxLifetimeMs: number;

  /**
   * The authenticator for `options`, or undefined when integrator JWTs are not enabled (neither a
   * secret nor a key set URL is configured).
   */
  static fromOptions(options: IntegratorJwtOptions, now: () => number = Date.now): IntegratorJwtAuthenticator | undefined {
    if (options.secret === undefined && options.jwksUrl === undefined) return undefined;
    return new IntegratorJwtAuthenticator(options, now);
  }

  /**
   * @param now clock in Unix ms.
   * @throws TypeError without an issuer, or with both or neither of a secret and a key set URL
   * (`loadConfig` refuses these configurations first).
   */
  constructor(
    options: IntegratorJwtOptions,
    private readonly now: () => number = Date.now,
  ) {
    if (options.issuer === undefined) throw new TypeError('Integrator JWTs need an issuer (PARLEY_JWT_ISSUER)');
    if ((options.secret === undefined) === (options.jwksUrl === undefined)) throw new TypeError('Integrator JWTs need exactly one of a secret and a key set URL');
    this.#issuer = options.issuer;
    this.#clockSkewMs = options.clockSkewMs;
    this.#maxLifetimeMs = options.maxLifetimeMs;
    this.#key = options.secret !== undefined ? new TextEncoder().encode(options.secret) : keySet(new URL(options.jwksUrl as string));
    this.#verify = {
      algorithms: options.secret !== undefined ? SECRET_ALGORITHMS : KEY_SET_ALGORITHMS,
      issuer: options.issuer,
      audience: options.audience,
      requiredClaims: ['iss', 'aud', 'exp', 'sub'],
      clockTolerance: options.clockSkewMs / 1000,
    };
  }

  /**
   * The principal of a valid integrator token in the bearer header or `?token=`: user id
   * `jwt:<sub>`, the token's room grants, and `expiresAt` = `exp` plus the tolerated skew (Unix ms),
   * the moment Parley stops accepting the token. Resolves undefined for anything else, including
   * Parley's own tokens and every invalid token.
   * @throws ParleyError `UNAUTHENTICATED` for a valid integrator token whose `exp` lies more than
   *   `maxLifetimeMs` (plus the skew) ahead; `JWKS_UNAVAILABLE` when the key set cannot be fetched;
   *   `VALIDATION_FAILED` (`details.issues` names `name`) for a valid signature on a token whose
   *   display name is refused.
   */
  async authenticate(credentials: Credentials): Promise<Principal | undefined> {
    const token = presentedToken(credentials);
    if (token === undefined || token.length > MAX_TOKEN_CHARS || !looksLikeJwt(token) || !this.#fromIssuer(token)) return undefined;
    let payload: JWTPayload;
    try {
      const options = { ...this.#verify, currentDate: new Date(this.now()) };
      payload = (this.#key instanceof Uint8Array ? await jwtVerify(token, this.#key, options) : await jwtVerify(token, this.#key, options)).payload;
    } catch (err) {
      if (err instanceof ParleyError) throw err;
      return undefined;
    }
    const claims = IntegratorClaims.safeParse(payload);
    if (!claims.success) {
      const nameIssues = claims.error.issues.filter((issue) => issue.path[0] === 'name');
      if (nameIssues.length > 0) throw validationError(nameIssues);
      return undefined;
    }
    const { sub, name, rooms, role, admin, exp } = claims.data;
    const aheadMs = exp * 1000 - this.now();
    if (aheadMs > this.#maxLifetimeMs + this.#clockSkewMs) {
      throw new ParleyError('UNAUTHENTICATED', `The token's exp is ${Math.round(aheadMs / 3_600_000)} h ahead, beyond the longest lifetime accepted (${Math.round(this.#maxLifetimeMs / 60_000)} min, PARLEY_JWT_MAX_LIFETIME_MS); exp is in seconds since 1970, not milliseconds`);
    }
    return {
      userId: `${INTEGRATOR_USER_PREFIX}${sub}`,
      name: name ?? nameFromSub(sub),
      role: admin === true ? 'admin' : 'user',
      grants: [...new Set(rooms)].map((roomId) => ({ roomId, role })),
      expiresAt: exp * 1000 + this.#clockSkewMs,
    };
  }

  /**
   * Whether the unverified `iss` is the integrator's: other JWTs (Parley's own tokens) are left to
   * their authenticators without costing a signature check or a key set fetch. Only a shortcut:
   * `jwtVerify` checks `iss` again on the verified payload.
   */
  #fromIssuer(token: string): boolean {
    try {
      return decodeJwt(token).iss === this.#issuer;
    } catch {
      return false;
    }
  }
}

/**
 * The integrator's key set, fetched by jose (cached 10 min; an unknown `kid` refetches it, at most
 * every 30 s, which is how a rotated key is picked up). A key set that cannot be fetched or parsed
 * is the integrator's outage, not a bad token: it becomes ParleyError `JWKS_UNAVAILABLE` (503,
 * retryable) instead of a 401 that would make clients discard valid tokens.
 */
function keySet(url: URL): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(url);
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      // No key for this token, or several candidates (jose then tries each): the token's problem.
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys || err instanceof errors.JOSENotSupported) throw err;
      throw new ParleyError('JWKS_UNAVAILABLE', 'The integrator\'s key set could not be fetched; retry later', { cause: err });
    }
  };
}

/**
 * The display name of a token without a `name` claim: its `sub`, cut to the first 64 code points.
 * @throws ParleyError `VALIDATION_FAILED` naming `name` when that is not a valid `DisplayName`.
 */
function nameFromSub(sub: string): string {
  const parsed = DisplayName.safeParse([...sub].slice(0, 64).join(''));
  if (parsed.success) return parsed.data;
  const message = `the token has no name claim and its sub cannot serve as one: ${parsed.error.issues[0]?.message ?? 'invalid'}`;
  throw new ParleyError('VALIDATION_FAILED', `name: ${message}`, { details: { issues: [{ path: 'name', message }] } });
}
