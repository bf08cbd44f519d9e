/**
 * The device cookie (issue: doors; OWASP "Slow brute force" and the device-cookie scheme it
 * cites): after a successful sign-in the browser gets a long-lived, httpOnly cookie naming the
 * account, signed with HMAC-SHA256 under `PARLEY_SESSION_SECRET` (with its own label, so it
 * cannot stand for any other Parley token). A login presenting a valid one for the same account
 * is exempt from the per-account attempt budget (`attempt-limits.ts`): an attacker guessing that
 * account's password from elsewhere cannot lock its owner out of a browser it used before.
 *
 * The cookie is no credential: it only changes which limits count a login, and the password is
 * still checked. Value: `v1.<base64url username>.<issued Unix ms>.<base64url HMAC>`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Cookie holding the device token, sent only to the account routes. */
export const DEVICE_COOKIE = 'parley_device';

/** How long a device cookie is honoured after the sign-in that set it (180 days, ms). */
export const DEVICE_COOKIE_MAX_AGE_MS = 180 * 24 * 3600_000;

/** Longest cookie value considered, in characters. */
const MAX_CHARS = 512;

/** The label that separates this HMAC from every other use of the secret. */
const LABEL = 'parley-device-v1\n';

export class DeviceCookies {
  /**
   * @param secret the session secret (PARLEY_SESSION_SECRET). Never log it.
   * @param now clock in Unix ms.
   */
  constructor(
    private readonly secret: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** A device cookie value for the account `username` (lowercase), and when it expires (Unix ms). */
  issue(username: string): { readonly value: string; readonly expiresAt: number } {
    const issuedAt = this.now();
    const body = `v1.${Buffer.from(username).toString('base64url')}.${issuedAt}`;
    return { value: `${body}.${this.#sign(body)}`, expiresAt: issuedAt + DEVICE_COOKIE_MAX_AGE_MS };
  }

  /**
   * The account name a device cookie value names, or undefined when it is absent, malformed,
   * forged (compared in constant time), issued in the future or older than
   * {@link DEVICE_COOKIE_MAX_AGE_MS}.
   */
  accountOf(value: string | undefined): string | undefined {
    if (value === undefined || value.length > MAX_CHARS) return undefined;
    const parts = value.split('.');
    if (parts.length !== 4 || parts[0] !== 'v1') return undefined;
    const [, name = '', issued = '', signature = ''] = parts;
    const expected = Buffer.from(this.#sign(`v1.${name}.${issued}`));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const issuedAt = Number(issued);
    const now = this.now();
    if (!/^\d{1,16}$/.test(issued) || issuedAt > now || now - issuedAt >= DEVICE_COOKIE_MAX_AGE_MS) return undefined;
    return Buffer.from(name, 'base64url').toString();
  }

  #sign(body: string): string {
    return createHmac('sha256', this.secret).update(LABEL + body).digest('base64url');
  }
}
