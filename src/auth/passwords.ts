/**
 * Password hashing for accounts (issue: identity): argon2id with @node-rs/argon2's defaults, which
 * are the OWASP Password Storage Cheat Sheet's recommended setting (19 MiB of memory, 2 passes,
 * 1 lane). Hashes are PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$…`) that carry their own
 * parameters, so hashes made before a change of settings still verify.
 */
import { hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';

/** argon2id (algorithm 2), 19 456 KiB, 2 passes, 1 lane. */
const OPTIONS = Object.freeze({ algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const);

export class Passwords {
  /** A hash of a random password, verified against when there is no account, so that costs the same time. */
  #dummy: Promise<string> | undefined;

  /** The PHC string of `password`'s argon2id hash, with a fresh random salt. */
  hash(password: string): Promise<string> {
    return hash(password, OPTIONS);
  }

  /** Whether `password` matches `phc`; false, never an error, for a malformed hash. */
  async verify(phc: string, password: string): Promise<boolean> {
    try {
      return await verify(phc, password);
    } catch {
      return false;
    }
  }

  /**
   * Spend the time of one verification and answer false: used when the named account does not
   * exist, so that a login's duration does not tell whether it does (OWASP Authentication Cheat Sheet).
   */
  async verifyNone(password: string): Promise<false> {
    this.#dummy ??= this.hash(randomBytes(32).toString('base64url'));
    await this.verify(await this.#dummy, password);
    return false;
  }
}
