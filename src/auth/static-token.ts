/**
 * A secret to compare presented values against: a configured bearer token (`PARLEY_ADMIN_TOKEN`,
 * `PARLEY_METRICS_TOKEN`), a secret shared with integrators, a CSRF cookie. Compared in constant
 * time over SHA-256 digests, so the comparison leaks neither the secret nor its length.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export class StaticToken {
  readonly #digest: Buffer;

  constructor(token: string) {
    this.#digest = digest(token);
  }

  /** True when `presented` is the token. */
  verify(presented: string | undefined): boolean {
    if (presented === undefined) return false;
    return timingSafeEqual(digest(presented), this.#digest);
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
