/**
 * The periodic re-check of open sockets' sessions against the store (issue 11, "Doors"). The
 * `session_ended` signal (`core/session-ends.ts`) is a broker hint that may be lost (DESIGN.md
 * rule 3); this check bounds how long a lost one matters. It covers:
 * - join sessions: revoked or expired in the store (`POST /api/v1/logout`);
 * - accounts: deleted, or demoted while the socket's credential still says `admin`
 *   (`parley accounts demote`).
 * A revoked refresh-token family is not checkable here (the store has no read of a family's state):
 * its sockets end by the signal, else when their access token expires (PARLEY_ACCESS_TOKEN_TTL_MS).
 */
import type { AccountStore } from '../core/ports/store.ts';
import type { Principal } from '../core/principal.ts';
import type { Sessions } from './session.ts';

export class SessionChecks {
  constructor(
    private readonly sessions: Sessions,
    private readonly accounts: AccountStore,
  ) {}

  /**
   * Of `principals`, those whose session has ended. Principals without a session are never ended
   * here. One store read per distinct join session and per distinct account, all at once.
   * Rejects with the store's error (`STORE_UNAVAILABLE`); nothing is then known to have ended.
   */
  async ended(principals: readonly Principal[]): Promise<Set<Principal>> {
    const joins = new Map<string, Promise<boolean>>();
    const accounts = new Map<string, Promise<'user' | 'admin' | undefined>>();
    for (const principal of principals) {
      const session = principal.session;
      if (session?.kind === 'join' && !joins.has(session.id)) joins.set(session.id, this.sessions.isLive(session.id));
      if (session?.kind === 'account' && !accounts.has(principal.userId)) accounts.set(principal.userId, this.accounts.get(principal.userId).then((a) => a?.role));
    }
    const live = new Map<string, boolean>();
    const roles = new Map<string, 'user' | 'admin' | undefined>();
    await Promise.all([
      ...[...joins].map(async ([id, check]) => live.set(id, await check)),
      ...[...accounts].map(async ([id, check]) => roles.set(id, await check)),
    ]);
    const ended = new Set<Principal>();
    for (const principal of principals) {
      const session = principal.session;
      if (session?.kind === 'join' && live.get(session.id) === false) ended.add(principal);
      if (session?.kind === 'account') {
        const role = roles.get(principal.userId);
        if (role === undefined || (principal.role === 'admin' && role !== 'admin')) ended.add(principal);
      }
    }
    return ended;
  }
}
