/**
 * The parts of the Store that both engines write with the same Kysely queries: rooms, member reads,
 * sessions, nonces, accounts, refresh tokens, ban reads, the audit log and ping. The timeline lives
 * in `timeline/` (its commits are the only writers of members, bans and room closure); message
 * appends differ per engine (group-committed batches written the way each driver is fastest) and
 * live in `sqlite/append-batch.ts` and `postgres/append-batch.ts`.
 *
 * What differs per dialect is passed in as a {@link RecordDialect}: how driver errors name a
 * violated constraint, and whether refresh-token operations must lock their family's row
 * (PostgreSQL) or already hold the database write lock from their transaction (SQLite's BEGIN IMMEDIATE).
 */
import { sql, type Kysely } from 'kysely';
import { ParleyError } from '../../protocol/errors.ts';
import type { AccountStore, AuditStore, BanStore, MemberRecord, MemberStore, NonceStore, RefreshTokenStore, RoomStore, RotateResult, SessionStore } from '../../core/ports/store.ts';
import { MEMBER_LISTING_COLUMNS, toAccountRecord, toAuditRecord, toBanRecord, toMemberListing, toMemberRecord, toRoomRecord, toRoomRow, toUserRecord, type Database, type MemberRow, type RoomRow } from './schema.ts';
import { checkLimit, type ClassifyConstraint, type Guard } from './store-errors.ts';
import { CompiledRead } from './compiled-query.ts';

/** What a dialect tells {@link createRecordStores}. */
export interface RecordDialect {
  /** Reads the driver's constraint-violation errors (see `store-errors.ts`). */
  readonly classify: ClassifyConstraint;
  /**
   * True when refresh-token operations must take a row lock on their family (`SELECT … FOR UPDATE`)
   * so that concurrent ones on other connections go one at a time; false when the transaction
   * already excludes every other writer.
   */
  readonly lockRoomRow: boolean;
  /** Called each time a write transaction begins (for the engine's `stats.transactions`). */
  readonly onTransaction: () => void;
}

/** The shared part of a Store: everything but the timeline and `close`. */
export interface RecordStores {
  readonly rooms: RoomStore;
  readonly members: MemberStore;
  readonly sessions: SessionStore;
  readonly nonces: NonceStore;
  readonly accounts: AccountStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly bans: BanStore;
  readonly audit: AuditStore;
  /** Resolves when the database answers `select 1`. */
  readonly ping: () => Promise<void>;
}

/** What {@link MemberStore.joinView}'s statement answers: the room row, the member's columns (null when not a member) and the count. */
type JoinViewRow = RoomRow & {
  readonly user_id: string | null;
  readonly member_name: string | null;
  readonly role: MemberRow['role'] | null;
  readonly last_read_seq: number | null;
  readonly joined_at: number | null;
  readonly muted_until: number | null;
  readonly member_count: number | string | bigint;
};

/** Ids per `lastSeqs` and `getMany` statement. */
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

/** Build the shared Store parts over `db`; every call follows the error rules of `store-errors.ts`. */
export function createRecordStores(db: Kysely<Database>, dialect: RecordDialect, guard: Guard): RecordStores {
  // The reads every join and every request make, compiled once (`compiled-query.ts`).
  const roomRead = new CompiledRead<'id', RoomRow>((p) => db.selectFrom('rooms').selectAll().where('id', '=', p<string>('id')));
  const memberRead = new CompiledRead<'roomId' | 'userId', MemberRow>((p) =>
    db.selectFrom('members').selectAll().where('room_id', '=', p<string>('roomId')).where('user_id', '=', p<string>('userId')),
  );
  const joinRead = new CompiledRead<'roomId' | 'userId', JoinViewRow>((p) =>
    db
      .selectFrom('rooms')
      .leftJoin('members', (join) => join.onRef('members.room_id', '=', 'rooms.id').on('members.user_id', '=', p<string>('userId')))
      .selectAll('rooms')
      .select(['members.user_id', 'members.name as member_name', 'members.role', 'members.last_read_seq', 'members.joined_at', 'members.muted_until'])
      .select((eb) => eb.selectFrom('members as counted').select((c) => c.fn.countAll<number | string>().as('n')).whereRef('counted.room_id', '=', 'rooms.id').as('member_count'))
      .where('rooms.id', '=', p<string>('roomId')),
  );
  const sessionRead = new CompiledRead<'tokenHash' | 'now', { id: string; name: string; created_at: number; expires_at: number }>((p) =>
    db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['users.id', 'users.name', 'users.created_at', 'sessions.expires_at'])
      .where('sessions.token_hash', '=', p<string>('tokenHash'))
      .where('sessions.expires_at', '>', p<number>('now')),
  );
  const pageRead = new CompiledRead<'roomId' | 'limit', Pick<MemberRow, (typeof MEMBER_LISTING_COLUMNS)[number]>>((p) =>
    db.selectFrom('members').select(MEMBER_LISTING_COLUMNS).where('room_id', '=', p<string>('roomId')).orderBy('user_id').limit(p<number>('limit')),
  );


  const rooms: RoomStore = {
    create: (room) =>
      guard(async () => {
        const row = await db
          .insertInto('rooms')
          .values(toRoomRow(room))
          .returningAll()
          .executeTakeFirstOrThrow();
        return toRoomRecord(row);
      }, { primaryKey: ['id', 'A room with this id already exists'] }),
    get: (id) =>
      guard(async () => {
        const [row] = await roomRead.rows(db, { id });
        return row === undefined ? undefined : toRoomRecord(row);
      }),
    list: ({ limit, offset }) =>
      guard(async () => {
        const rows = await db.selectFrom('rooms').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
        return rows.map(toRoomRecord);
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
    get: (roomId, userId) =>
      guard(async () => {
        const [row] = await memberRead.rows(db, { roomId, userId });
        return row === undefined ? undefined : toMemberRecord(row);
      }),
    /** See the port: one compiled statement (the room, the left-joined member row, a counting subquery). */
    joinView: (roomId, userId) =>
      guard(async () => {
        const [row] = await joinRead.rows(db, { roomId, userId });
        if (row === undefined) return undefined;
        const room = toRoomRecord(row);
        const member: MemberRecord | undefined =
          row.user_id === null || row.role === null
            ? undefined
            : { roomId, userId: row.user_id, name: row.member_name ?? '', role: row.role, lastReadSeq: Number(row.last_read_seq), joinedAt: Number(row.joined_at), mutedUntil: row.muted_until };
        return { room, member, memberCount: Number(row.member_count) };
      }),
    getMany: (roomId, userIds) =>
      guard(async () => {
        const found = [];
        // Chunks keep each statement under SQLite's bound-parameter limit.
        for (let i = 0; i < userIds.length; i += LAST_SEQS_CHUNK) {
          const rows = await db.selectFrom('members').select(MEMBER_LISTING_COLUMNS).where('room_id', '=', roomId).where('user_id', 'in', userIds.slice(i, i + LAST_SEQS_CHUNK)).orderBy('user_id').execute();
          found.push(...rows.map(toMemberListing));
        }
        return found;
      }),
    /** See the port. @throws ParleyError `VALIDATION_FAILED` (details.field = 'limit') unless limit is an integer ≥ 1. */
    page: (roomId, { after, limit }) =>
      guard(async () => {
        checkLimit(limit);
        const rows =
          after === undefined
            ? await pageRead.rows(db, { roomId, limit: limit + 1 })
            : await db.selectFrom('members').select(MEMBER_LISTING_COLUMNS).where('room_id', '=', roomId).where('user_id', '>', after).orderBy('user_id').limit(limit + 1).execute();
        return { members: rows.slice(0, limit).map(toMemberListing), hasMore: rows.length > limit };
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
        const [row] = await sessionRead.rows(db, { tokenHash, now });
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

  return { rooms, members, sessions, nonces, accounts, refreshTokens, bans, audit, ping };
}
