/**
 * Signed-in account sessions (issue: identity): a short-lived access token (Parley's own signed
 * token of kind `access`, checked on any node without a store read) and a rotating refresh token
 * (256 random bits, stored only as SHA-256). Each refresh uses the refresh token once and answers a
 * new pair; presenting a used refresh token revokes its whole family (OAuth 2.0 Security BCP,
 * RFC 9700 §4.14.2), so a stolen token stops working for the thief and the victim alike, and the
 * victim signs in again. The account's current name and role are read at each refresh.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ParleyError } from '../protocol/index.ts';
import type { AccountRecord, AccountStore, RefreshTokenStore } from '../core/ports/store.ts';
import { publicAccount, type Account } from './accounts.ts';
import type { SignedToken, Tokens } from './tokens.ts';
import { hashToken } from './session.ts';
import type { SessionEnded } from '../core/session-ends.ts';

/** A new access and refresh token pair. Both tokens are secret: give them to their owner only, never log them. */
export interface IssuedAccountSession {
  readonly account: Account;
  readonly access: SignedToken;
  readonly refresh: { readonly token: string; readonly expiresAt: number };
}

/** Lifetimes of the two tokens, in ms (PARLEY_ACCESS_TOKEN_TTL_MS, PARLEY_REFRESH_TOKEN_TTL_MS). */
export interface AccountSessionTtls {
  readonly accessTokenTtlMs: number;
  readonly refreshTokenTtlMs: number;
}

/** Options of {@link AccountSessions}. */
export interface AccountSessionsOptions {
  readonly tokens: Tokens;
  readonly accounts: AccountStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly ttls: AccountSessionTtls;
  /** Clock in Unix ms. @default Date.now */
  readonly now?: () => number;
  /** Told of each family revoked (sign-out, replay), to end its sockets on every node (`core/session-ends.ts`); never rejects. @default nothing */
  readonly announce?: (ended: SessionEnded) => Promise<void>;
}

export class AccountSessions {
  private readonly tokens: Tokens;
  private readonly accounts: AccountStore;
  private readonly refreshTokens: RefreshTokenStore;
  private readonly ttls: AccountSessionTtls;
  private readonly now: () => number;
  private readonly announce: (ended: SessionEnded) => Promise<void>;

  constructor(options: AccountSessionsOptions) {
    this.tokens = options.tokens;
    this.accounts = options.accounts;
    this.refreshTokens = options.refreshTokens;
    this.ttls = options.ttls;
    this.now = options.now ?? Date.now;
    this.announce = options.announce ?? (async () => undefined);
  }

  /** Sign `account` in: a new refresh-token family and an access token. */
  async start(account: AccountRecord): Promise<IssuedAccountSession> {
    const refresh = this.#newRefreshToken();
    const familyId = randomUUID();
    await this.refreshTokens.issue(familyId, account.id, refresh.record);
    return this.#issue(account, familyId, refresh);
  }

  /**
   * Use a refresh token once: a new access token and a new refresh token.
   * @throws ParleyError `TOKEN_REPLAYED` when the token was used before (its family is now
   *   revoked), `UNAUTHENTICATED` when it is unknown, expired, revoked, or its account is gone.
   */
  async refresh(refreshToken: string): Promise<IssuedAccountSession> {
    const next = this.#newRefreshToken();
    const result = await this.refreshTokens.rotate(hashToken(refreshToken), next.record, next.record.createdAt);
    if (result.outcome === 'reused') {
      await this.announce({ type: 'session_ended', scope: 'family', familyId: result.familyId });
      throw new ParleyError('TOKEN_REPLAYED', 'This refresh token was already used: every session of this sign-in has ended, sign in again');
    }
    if (result.outcome === 'invalid') throw new ParleyError('UNAUTHENTICATED', 'The refresh token is not valid, has expired or was revoked: sign in again');
    const account = await this.accounts.get(result.accountId);
    if (account === undefined) throw new ParleyError('UNAUTHENTICATED', 'This account no longer exists');
    return this.#issue(account, result.familyId, next);
  }

  /**
   * Sign out: revoke the family of `refreshToken` (every token it holds) and end the sockets its
   * access tokens opened, on every node. Unknown tokens are ignored.
   */
  async end(refreshToken: string): Promise<void> {
    const family = await this.refreshTokens.revokeFamily(hashToken(refreshToken), this.now());
    if (family !== undefined) await this.announce({ type: 'session_ended', scope: 'family', familyId: family.familyId });
  }

  /** The access token carries its family (`fam`), so that ending the family ends the sockets it opened. */
  async #issue(account: AccountRecord, familyId: string, refresh: { token: string; record: { expiresAt: number } }): Promise<IssuedAccountSession> {
    const access = await this.tokens.sign('access', account.id, { name: account.name, role: account.role, fam: familyId }, this.ttls.accessTokenTtlMs);
    return { account: publicAccount(account), access, refresh: { token: refresh.token, expiresAt: refresh.record.expiresAt } };
  }

  #newRefreshToken(): { token: string; record: { tokenHash: string; createdAt: number; expiresAt: number } } {
    const token = randomBytes(32).toString('base64url');
    const createdAt = this.now();
    return { token, record: { tokenHash: hashToken(token), createdAt, expiresAt: createdAt + this.ttls.refreshTokenTtlMs } };
  }
}
