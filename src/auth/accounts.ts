/**
 * Accounts (issue: identity): register with a username, a password and a display name, check a
 * login, change a role. Usernames are case-insensitive (stored lowercase; `protocol/http.ts`
 * `Username`); passwords are kept only as argon2id hashes (`passwords.ts`). A failed login says
 * only `INVALID_CREDENTIALS`, and costs one password verification, whether or not the account exists.
 */
import { randomUUID } from 'node:crypto';
import { ParleyError, validationError } from '../protocol/index.ts';
import { RegisterRequest } from '../protocol/http.ts';
import type { AccountRecord, AccountRole, AccountStore } from '../core/ports/store.ts';
import type { Passwords } from './passwords.ts';

/** An account without its password hash: what may leave the server. */
export type Account = Omit<AccountRecord, 'passwordHash' | 'createdAt'>;

/** The public part of an account record. */
export function publicAccount(record: AccountRecord): Account {
  return { id: record.id, username: record.username, name: record.name, role: record.role };
}

export class Accounts {
  /** @param now clock in Unix ms. */
  constructor(
    private readonly store: AccountStore,
    private readonly passwords: Passwords,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Create an account with `role` (default `user`). The input is checked against `RegisterRequest`
   * (so the CLI and HTTP share one rule); the display name defaults to the username.
   * @throws ParleyError `VALIDATION_FAILED` naming each bad field, `USERNAME_TAKEN`.
   */
  async register(input: { username: string; password: string; name?: string | undefined }, role: AccountRole = 'user'): Promise<AccountRecord> {
    const parsed = RegisterRequest.safeParse(input);
    if (!parsed.success) throw validationError(parsed.error.issues);
    const { username, password, name } = parsed.data;
    if ((await this.store.byUsername(username)) !== undefined) throw new ParleyError('USERNAME_TAKEN', 'This username is taken', { details: { username } });
    return this.store.create({ id: randomUUID(), username, name: name ?? username, role, passwordHash: await this.passwords.hash(password), createdAt: this.now() });
  }

  /**
   * The account named `username` (any case) if `password` is its password.
   * @throws ParleyError `INVALID_CREDENTIALS` for a wrong password and an unknown name alike.
   */
  async verify(username: string, password: string): Promise<AccountRecord> {
    const account = await this.store.byUsername(username);
    const valid = account === undefined ? await this.passwords.verifyNone(password) : await this.passwords.verify(account.passwordHash, password);
    if (account === undefined || !valid) throw new ParleyError('INVALID_CREDENTIALS', 'Wrong username or password');
    return account;
  }

  /** The account with this id, or undefined. */
  get(id: string): Promise<AccountRecord | undefined> {
    return this.store.get(id);
  }

  /**
   * Make the account named `username` an admin or a plain user. Its access tokens keep the old
   * role until they expire (at most PARLEY_ACCESS_TOKEN_TTL_MS); the next refresh carries the new one.
   * @throws ParleyError `NOT_FOUND` when no account has this name.
   */
  async setRole(username: string, role: AccountRole): Promise<AccountRecord> {
    const account = await this.store.setRole(username, role);
    if (account === undefined) throw new ParleyError('NOT_FOUND', `No account is named ${username.toLowerCase()}`);
    return account;
  }
}
