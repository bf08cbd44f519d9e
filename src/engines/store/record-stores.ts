/**
 * The parts of the Store that both engines write with the same Kysely queries: rooms, members,
 * sessions, nonces, accounts, refresh tokens, bans, the audit log, message pages and erasure, and ping. Appends differ per engine (group-committed batches written the
 * way each driver is fastest) and live in `sqlite/append-batch.ts` and `postgres/append-batch.ts`.
 *
 * What differs per dialect is passed in as a {@link RecordDialect}: how driver errors name a
 * violated constraint, and whether `members.add` must lock the room row itself (PostgreSQL) or
 * already holds the database write lock from its transaction (SQLite's BEGIN IMMEDIATE).
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { ParleyError } from '../../protocol/errors.ts';
import { displayNameKey } from '../../protocol/names.ts';
import type { AccountStore, AuditStore, BanStore, MemberStore, MessageStore, NonceStore, RefreshTokenStore, RoomStore, RotateResult, SessionStore } from '../../core/ports/store.ts';
import { toAccountRecord, toAuditRecord, toBanRecord, toMemberRecord, toMessage, toRoomRecord, toUserRecord, type Database } from './schema.ts';
import { guardWith, type ClassifyConstraint } from './store-errors.ts';

/** What a dialect tells {@link createRecordStores}. */
export interface RecordDialect {
  /** Reads the driver's constraint-violation errors (see `store-errors.ts`). */
  readonly classify: ClassifyConstraint;
  /**
   * True when `members.add` must take a row lock on the room (`SELECT … FOR UPDATE`) so that
   * concurrent adds on other connections count members one at a time, and refresh-token operations
   * likewise on their family's row; false when the transaction already excludes every other writer.
   */
  readonly lockRoomRow: boolean;
  /** Called each time a write transaction begins (for the engine's `stats.transactions`). */
  readonly onTransaction: () => void;
}

/** The shared part of a Store: everything but `messages.append` and `close`. */
export interface RecordStores {
  readonly rooms: RoomStore;
  readonly members: MemberStore;
  readonly sessions: SessionStore;
  readonly nonces: NonceStore;
  readonly accounts: AccountStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly bans: BanStore;
  readonly audit: AuditStore;
  readonly page: MessageStore['page'];
  readonly erase: MessageStore['erase'];
  /** Resolves when the database answers `select 1`. */
  readonly ping: () => Promise<void>;
}

/** Room ids per `lastSeqs` statement. */
const LAST_SEQS_CHUNK = 500;

/** Least time between two purges of expired nonces, and of expired refresh-token families, in ms. */
const PURGE_INTERVAL_MS = 60_000;

/**
 * `purge` made to run at most once per `intervalMs`: on the first call, then on the first call whose
 * `now` (Unix ms) has reached the previous run's `now` plus `intervalMs`.
 */
function purgeEvery(intervalMs: number, purge: (now: number) => Promise<unknown>): (now: number) => Promise<void> {
  let nextAt = 0;
  return async (now) => {
    if (now < nextAt) return;
    nextAt = now + intervalMs;
    await purge(now);
  };
}

/** Reject a page size that is not an integer ≥ 1 with `VALIDATION_FAILED` (details.field = 'limit'). */
function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new ParleyError('VALIDATION_FAILED', 'limit must be an integer ≥ 1', { details: { field: 'limit' } });
  }
}

/** Build the shared Store parts over `db`; every call follows the error rules of `store-errors.ts`. */
export function createRecordStores(db: Kysely<Database>, dialect: RecordDialect): RecordStores {
  const guard = guardWith(dialect.classify);

  /**
   * Read the room's `closed_at` in `trx`, under the room's row lock where the dialect needs one, so
   * that `members.add` and `bans.add` on one room never interleave.
   * @throws ParleyError `ROOM_NOT_FOUND` when no room has this id.
   */
  const lockRoom = async (trx: Transaction<Database>, roomId: string) => {
    const room = await trx
      .selectFrom('rooms')
      .select('closed_at')
      .where('id', '=', roomId)
      .$if(dialect.lockRoomRow, (q) => q.forUpdate())
      .executeTakeFirst();
    if (room === undefined) throw new ParleyError('ROOM_NOT_FOUND', undefined, { details: { roomId } });
    return room;
  };

  const rooms: RoomStore = {
    create: (room) =>
      guard(async () => {
        const row = await db
          .insertInto('rooms')
          .values({
            id: room.id,
            name: room.name,
            kind: room.kind,
            max_members: room.maxMembers,
            join_rule: room.joinRule,
            e2ee: room.e2ee === true ? 1 : 0,
            messages_per_minute: room.messagesPerMinute,
            join_code_hash: room.joinCodeHash,
            epoch: room.epoch,
            created_at: room.createdAt,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toRoomRecord(row);
      }, { primaryKey: ['id', 'A room with this id already exists'] }),
    get: (id) =>
      guard(async () => {
        const row = await db.selectFrom('rooms').selectAll().where('id', '=', id).executeTakeFirst();
        return row === undefined ? undefined : toRoomRecord(row);
      }),
    list: ({ limit, offset }) =>
      guard(async () => {
        const rows = await db.selectFrom('rooms').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
        return rows.map(toRoomRecord);
      }),
    close: (id, at) =>
      guard(async () => {
        const row = await db
          .updateTable('rooms')
          .set((eb) => ({ closed_at: eb.fn.coalesce('closed_at', eb.val(at)) }))
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst();
        return row === undefined ? undefined : toRoomRecord(row);
      }),
    setJoinCodeHash: (id, hash) =>
      guard(async () => {
        const row = await db.updateTable('rooms').set({ join_code_hash: hash }).where('id', '=', id).returningAll().executeTakeFirst();
        return row === undefined ? undefined : toRoomRecord(row);
      }),
    lastSeqs: (ids) =>
      guard(async () => {
        const positions = new Map<string, number>();
        // Chunks keep each statement under SQLite's bound-parameter limit.
        for (let i = 0; i < ids.length; i += LAST_SEQS_CHUNK) {
          const rows = await db.selectFrom('rooms').select(['id', 'last_seq']).where('id', 'in', ids.slice(i, i + LAST_SEQS_CHUNK)).execute();
          for (const row of rows) positions.set(row.id, row.last_seq);
        }
        return positions;
      }),
  };

  const members: MemberStore = {
    add: (member, maxMembers) =>
      guard(async () => {
        dialect.onTransaction();
        return db.transaction().execute(async (trx) => {
          const room = await lockRoom(trx, member.roomId);
          // Under the room lock (PostgreSQL) or the write lock (SQLite), as `bans.add` is: a ban and
          // an add never interleave.
          const banned = await trx.selectFrom('bans').select('user_id').where('room_id', '=', member.roomId).where('user_id', '=', member.userId).executeTakeFirst();
          if (banned !== undefined) throw new ParleyError('BANNED', undefined, { details: { roomId: member.roomId } });
          const existing = await trx.selectFrom('members').selectAll().where('room_id', '=', member.roomId).where('user_id', '=', member.userId).executeTakeFirst();
          if (existing !== undefined) return { member: toMemberRecord(existing), created: false };
          if (room.closed_at !== null) throw new ParleyError('ROOM_CLOSED', undefined, { details: { roomId: member.roomId } });
          const { count } = await trx
            .selectFrom('members')
            .select((eb) => eb.fn.countAll<number>().as('count'))
            .where('room_id', '=', member.roomId)
            .executeTakeFirstOrThrow();
          if (Number(count) >= maxMembers) throw new ParleyError('ROOM_FULL', undefined, { details: { roomId: member.roomId, maxMembers } });
          // The unique index (room_id, name_key) refuses a name another current member holds in any case.
          const row = await trx
            .insertInto('members')
            .values({ room_id: member.roomId, user_id: member.userId, name: member.name, role: member.role, joined_at: member.joinedAt, name_key: displayNameKey(member.name) })
            .onConflict((oc) => oc.columns(['room_id', 'name_key']).doNothing())
            .returningAll()
            .executeTakeFirst();
          if (row === undefined) throw new ParleyError('NAME_TAKEN', 'Another member of this room already has this name (names are compared ignoring case): choose another name', { details: { roomId: member.roomId, name: member.name } });
          return { member: toMemberRecord(row), created: true };
        });
      }),
    get: (roomId, userId) =>
      guard(async () => {
        const row = await db.selectFrom('members').selectAll().where('room_id', '=', roomId).where('user_id', '=', userId).executeTakeFirst();
        return row === undefined ? undefined : toMemberRecord(row);
      }),
    list: (roomId) =>
      guard(async () => {
        const rows = await db.selectFrom('members').selectAll().where('room_id', '=', roomId).orderBy('joined_at').orderBy('user_id').execute();
        return rows.map(toMemberRecord);
      }),
    setRole: (roomId, userId, role) =>
      guard(async () => {
        const row = await db.updateTable('members').set({ role }).where('room_id', '=', roomId).where('user_id', '=', userId).returningAll().executeTakeFirst();
        return row === undefined ? undefined : toMemberRecord(row);
      }),
    remove: (roomId, userId) =>
      guard(async () => {
        const result = await db.deleteFrom('members').where('room_id', '=', roomId).where('user_id', '=', userId).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      }),
    setMutedUntil: (roomId, userId, mutedUntil) =>
      guard(async () => {
        const row = await db.updateTable('members').set({ muted_until: mutedUntil }).where('room_id', '=', roomId).where('user_id', '=', userId).returningAll().executeTakeFirst();
        return row === undefined ? undefined : toMemberRecord(row);
      }),
    markRead: (roomId, userId, seq) =>
      guard(async () => {
        // One statement, so two racing markers can only move it forward.
        const row = await db
          .updateTable('members')
          .set((eb) => ({ last_read_seq: eb.case().when('last_read_seq', '<', seq).then(seq).else(eb.ref('last_read_seq')).end() }))
          .where('room_id', '=', roomId)
          .where('user_id', '=', userId)
          .returning('last_read_seq')
          .executeTakeFirst();
        return row?.last_read_seq;
      }),
    roomsOf: (userId) =>
      guard(async () => {
        const rows = await db.selectFrom('members').select('room_id').where('user_id', '=', userId).orderBy('joined_at').orderBy('room_id').execute();
        return rows.map((r) => r.room_id);
      }),
  };

  /**
   * See the port. With both `after` and `before`, the first `limit` messages of the open range
   * (after, before), ascending, `hasMore` meaning more inside the range.
   * @throws ParleyError `VALIDATION_FAILED` (details.field = 'limit') unless limit is an integer ≥ 1.
   */
  const page: MessageStore['page'] = (roomId, { after, before, limit }) =>
    guard(async () => {
      checkLimit(limit);
      let query = db.selectFrom('messages').selectAll().where('room_id', '=', roomId);
      if (after !== undefined) query = query.where('seq', '>', after);
      if (before !== undefined) query = query.where('seq', '<', before);
      const ascending = after !== undefined;
      const rows = await query.orderBy('seq', ascending ? 'asc' : 'desc').limit(limit + 1).execute();
      const messages = rows.slice(0, limit).map(toMessage);
      if (!ascending) messages.reverse();
      return { messages, hasMore: rows.length > limit };
    });

  const erase: MessageStore['erase'] = (roomId, seq, at) =>
    guard(async () => {
      const row = await db
        .updateTable('messages')
        .set((eb) => ({ body: '', deleted_at: eb.fn.coalesce('deleted_at', eb.val(at)) }))
        .where('room_id', '=', roomId)
        .where('seq', '=', seq)
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? undefined : toMessage(row);
    });

  const sessions: SessionStore = {
    createUser: (user) =>
      guard(async () => {
        const row = await db.insertInto('users').values({ id: user.id, name: user.name, created_at: user.createdAt }).returningAll().executeTakeFirstOrThrow();
        return toUserRecord(row);
      }, { primaryKey: ['id', 'A user with this id already exists'] }),
    create: (session) =>
      guard(
        async () => {
          await db
            .insertInto('sessions')
            .values({ token_hash: session.tokenHash, user_id: session.userId, created_at: session.createdAt, expires_at: session.expiresAt })
            .execute();
        },
        {
          primaryKey: ['tokenHash', 'A session with this token already exists'],
          foreignKey: ['userId', 'No user has this id'],
        },
      ),
    resolve: (tokenHash, now) =>
      guard(async () => {
        const row = await db
          .selectFrom('sessions')
          .innerJoin('users', 'users.id', 'sessions.user_id')
          .select(['users.id', 'users.name', 'users.created_at', 'sessions.expires_at'])
          .where('sessions.token_hash', '=', tokenHash)
          .where('sessions.expires_at', '>', now)
          .executeTakeFirst();
        return row === undefined ? undefined : { user: toUserRecord(row), expiresAt: row.expires_at };
      }),
    revoke: (tokenHash) =>
      guard(async () => {
        await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
      }),
  };

  const purgeNonces = purgeEvery(PURGE_INTERVAL_MS, (now) => db.deleteFrom('nonces').where('expires_at', '<=', now).execute());
  const nonces: NonceStore = {
    claim: (key, expiresAt, now) =>
      guard(async () => {
        await purgeNonces(now);
        // Inserted, or taken over from an expired record; a live record makes the statement a no-op.
        const row = await db
          .insertInto('nonces')
          .values({ key, expires_at: expiresAt })
          .onConflict((oc) => oc.column('key').doUpdateSet({ expires_at: expiresAt }).where('nonces.expires_at', '<=', now))
          .returning('key')
          .executeTakeFirst();
        return row !== undefined;
      }),
  };

  const accounts: AccountStore = {
    create: (account) =>
      guard(
        async () => {
          const username = account.username.toLowerCase();
          const row = await db
            .insertInto('accounts')
            .values({ id: account.id, username, name: account.name, role: account.role, password_hash: account.passwordHash, created_at: account.createdAt })
            .onConflict((oc) => oc.column('username').doNothing())
            .returningAll()
            .executeTakeFirst();
          if (row === undefined) throw new ParleyError('USERNAME_TAKEN', undefined, { details: { username } });
          return toAccountRecord(row);
        },
        { primaryKey: ['id', 'An account with this id already exists'] },
      ),
    get: (id) =>
      guard(async () => {
        const row = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
        return row === undefined ? undefined : toAccountRecord(row);
      }),
    byUsername: (username) =>
      guard(async () => {
        const row = await db.selectFrom('accounts').selectAll().where('username', '=', username.toLowerCase()).executeTakeFirst();
        return row === undefined ? undefined : toAccountRecord(row);
      }),
    setRole: (username, role) =>
      guard(async () => {
        const row = await db.updateTable('accounts').set({ role }).where('username', '=', username.toLowerCase()).returningAll().executeTakeFirst();
        return row === undefined ? undefined : toAccountRecord(row);
      }),
  };

  const purgeFamilies = purgeEvery(PURGE_INTERVAL_MS, (now) => db.deleteFrom('refresh_families').where('expires_at', '<=', now).execute());
  const refreshTokens: RefreshTokenStore = {
    issue: (familyId, accountId, first) =>
      guard(
        async () => {
          await purgeFamilies(first.createdAt);
          dialect.onTransaction();
          await db.transaction().execute(async (trx) => {
            await trx.insertInto('refresh_families').values({ id: familyId, account_id: accountId, created_at: first.createdAt, expires_at: first.expiresAt, revoked_at: null }).execute();
            await trx.insertInto('refresh_tokens').values({ token_hash: first.tokenHash, family_id: familyId, parent: null, created_at: first.createdAt, expires_at: first.expiresAt, used_at: null }).execute();
          });
        },
        { foreignKey: ['accountId', 'No account has this id'], primaryKey: ['familyId', 'This family or token already exists'] },
      ),
    rotate: (tokenHash, next, now) =>
      guard(async () => {
        dialect.onTransaction();
        return db.transaction().execute(async (trx): Promise<RotateResult> => {
          const found = await trx.selectFrom('refresh_tokens').select('family_id').where('token_hash', '=', tokenHash).executeTakeFirst();
          if (found === undefined) return { outcome: 'invalid' };
          // The family's row lock serialises every rotation and revocation of the family; the
          // token is read again after it, so a rotation that just finished is seen.
          const family = await trx
            .selectFrom('refresh_families')
            .select(['account_id', 'revoked_at'])
            .where('id', '=', found.family_id)
            .$if(dialect.lockRoomRow, (q) => q.forUpdate())
            .executeTakeFirst();
          const token = await trx.selectFrom('refresh_tokens').select(['used_at', 'expires_at']).where('token_hash', '=', tokenHash).executeTakeFirst();
          if (family === undefined || token === undefined) return { outcome: 'invalid' };
          const ids = { accountId: family.account_id, familyId: found.family_id };
          if (token.used_at !== null) {
            await trx.updateTable('refresh_families').set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(now)) })).where('id', '=', found.family_id).execute();
            return { outcome: 'reused', ...ids };
          }
          if (family.revoked_at !== null || token.expires_at <= now) return { outcome: 'invalid' };
          await trx.updateTable('refresh_tokens').set({ used_at: now }).where('token_hash', '=', tokenHash).execute();
          await trx.insertInto('refresh_tokens').values({ token_hash: next.tokenHash, family_id: found.family_id, parent: tokenHash, created_at: next.createdAt, expires_at: next.expiresAt, used_at: null }).execute();
          await trx.updateTable('refresh_families').set({ expires_at: next.expiresAt }).where('id', '=', found.family_id).execute();
          return { outcome: 'rotated', ...ids };
        });
      }),
    revokeFamily: (tokenHash, now) =>
      guard(async () => {
        const found = await db.selectFrom('refresh_tokens').select('family_id').where('token_hash', '=', tokenHash).executeTakeFirst();
        if (found === undefined) return undefined;
        const family = await db
          .updateTable('refresh_families')
          .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(now)) }))
          .where('id', '=', found.family_id)
          .returning(['id', 'account_id'])
          .executeTakeFirst();
        return family === undefined ? undefined : { familyId: family.id, accountId: family.account_id };
      }),
  };

  const bans: BanStore = {
    add: (ban) =>
      guard(async () => {
        dialect.onTransaction();
        return db.transaction().execute(async (trx) => {
          // The same room lock as `members.add`, so an add cannot land between the ban and the removal.
          await lockRoom(trx, ban.roomId);
          const inserted = await trx
            .insertInto('bans')
            .values({ room_id: ban.roomId, user_id: ban.userId, actor_id: ban.actorId, reason: ban.reason, created_at: ban.createdAt })
            .onConflict((oc) => oc.columns(['room_id', 'user_id']).doNothing())
            .returningAll()
            .executeTakeFirst();
          const stored = inserted ?? (await trx.selectFrom('bans').selectAll().where('room_id', '=', ban.roomId).where('user_id', '=', ban.userId).executeTakeFirstOrThrow());
          const removed = await trx.deleteFrom('members').where('room_id', '=', ban.roomId).where('user_id', '=', ban.userId).returningAll().executeTakeFirst();
          return { ban: toBanRecord(stored), created: inserted !== undefined, removed: removed === undefined ? undefined : toMemberRecord(removed) };
        });
      }),
    remove: (roomId, userId) =>
      guard(async () => {
        const result = await db.deleteFrom('bans').where('room_id', '=', roomId).where('user_id', '=', userId).executeTakeFirst();
        return Number(result.numDeletedRows) > 0;
      }),
    get: (roomId, userId) =>
      guard(async () => {
        const row = await db.selectFrom('bans').selectAll().where('room_id', '=', roomId).where('user_id', '=', userId).executeTakeFirst();
        return row === undefined ? undefined : toBanRecord(row);
      }),
    list: (roomId) =>
      guard(async () => {
        const rows = await db.selectFrom('bans').selectAll().where('room_id', '=', roomId).orderBy('created_at').orderBy('user_id').execute();
        return rows.map(toBanRecord);
      }),
  };

  const audit: AuditStore = {
    append: (entry) =>
      guard(
        async () => {
          await db
            .insertInto('audit_log')
            .values({
              id: entry.id,
              at: entry.at,
              room_id: entry.roomId,
              actor_id: entry.actorId,
              actor_name: entry.actorName,
              action: entry.action,
              target_id: entry.targetId,
              details: JSON.stringify(entry.details),
            })
            .execute();
        },
        { primaryKey: ['id', 'An audit entry with this id already exists'] },
      ),
    /**
     * See the port.
     * @throws ParleyError `VALIDATION_FAILED` (details.field = 'limit') unless limit is an integer ≥ 1.
     */
    page: ({ roomId, before, limit }) =>
      guard(async () => {
        checkLimit(limit);
        let query = db.selectFrom('audit_log').selectAll();
        if (roomId !== undefined) query = query.where('room_id', '=', roomId);
        if (before !== undefined) query = query.where('id', '<', before);
        const rows = await query.orderBy('id', 'desc').limit(limit + 1).execute();
        return { entries: rows.slice(0, limit).map(toAuditRecord), hasMore: rows.length > limit };
      }),
  };

  const ping = () =>
    guard(async () => {
      await sql`select 1`.execute(db);
    });

  return { rooms, members, sessions, nonces, accounts, refreshTokens, bans, audit, page, erase, ping };
}
