/**
 * Sessions created by joining a room: a 256-bit random token, stored only as its SHA-256, handed
 * to browsers as an httpOnly cookie and to other clients as a bearer token (issue: main job).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { SessionStore } from '../core/ports/store.ts';
import type { SessionEnded } from '../core/session-ends.ts';
import { presentedToken, type Authenticator, type Credentials, type Principal } from './principal.ts';
import { looksLikeJwt } from './tokens.ts';

/** A newly issued session. `token` is secret: return it to its owner once, never log it. */
export interface IssuedSession {
  readonly token: string;
  readonly expiresAt: number;
  readonly principal: Principal;
}

export class Sessions implements Authenticator {
  /**
   * @param ttlMs session lifetime (PARLEY_SESSION_TTL_MS).
   * @param announce told of each session revoked, to end its sockets on every node (`core/session-ends.ts`); never rejects.
   */
  constructor(
    private readonly store: SessionStore,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly announce: (ended: SessionEnded) => Promise<void> = async () => undefined,
  ) {}

  /** Create a user named `name` and a session for them. */
  async createUser(name: string): Promise<IssuedSession> {
    const user = await this.store.createUser({ id: randomUUID(), name, createdAt: this.now() });
    return this.issue({ userId: user.id, name: user.name, role: 'user' });
  }

  /** Issue a new session token for an existing principal. */
  async issue(principal: Principal): Promise<IssuedSession> {
    const token = randomBytes(32).toString('base64url');
    const createdAt = this.now();
    const expiresAt = createdAt + this.ttlMs;
    await this.store.create({ tokenHash: hashToken(token), userId: principal.userId, createdAt, expiresAt });
    return { token, expiresAt, principal };
  }

  /** The principal of a live session: the cookie, else the bearer token, else `?token=`. */
  async authenticate(credentials: Credentials): Promise<Principal | undefined> {
    return (await this.resolve(credentials))?.principal;
  }

  /** Like {@link authenticate}, with the session's token and expiry (Unix ms). */
  async resolve(credentials: Credentials): Promise<{ principal: Principal; token: string; expiresAt: number } | undefined> {
    const token = credentials.cookie ?? presentedToken(credentials);
    if (token === undefined || token.length === 0 || token.length > 128 || looksLikeJwt(token)) return undefined;
    const tokenHash = hashToken(token);
    const found = await this.store.resolve(tokenHash, this.now());
    if (found === undefined) return undefined;
    const principal: Principal = { userId: found.user.id, name: found.user.name, role: 'user', expiresAt: found.expiresAt, session: { kind: 'join', id: tokenHash } };
    return { principal, token, expiresAt: found.expiresAt };
  }

  /** Revoke the session behind a token (logout), and end the sockets it opened on every node. */
  async revoke(token: string): Promise<void> {
    const tokenHash = hashToken(token);
    await this.store.revoke(tokenHash);
    await this.announce({ type: 'session_ended', scope: 'join', sessionId: tokenHash });
  }

  /** Whether the join session with this token hash is still live at `now` (the periodic re-check of open sockets). */
  async isLive(tokenHash: string): Promise<boolean> {
    return (await this.store.resolve(tokenHash, this.now())) !== undefined;
  }
}

/** What the store keeps of a random token (session or refresh): its SHA-256, in hex. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
