/**
 * Every Store migration, in order, for Kysely's Migrator on SQLite and PostgreSQL alike.
 * A static list rather than a folder scan: bundlers and `tsx` see plain imports, and the order is
 * written down. Names are `YYYY-MM-DD-NN-description`; Kysely sorts them by name, so a new migration
 * gets a later date (or number) and is appended here. Never rename or edit a released migration.
 */
import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './2026-11-22-01-initial.ts';
import * as messagesKeyedByRoomSeq from './2026-12-01-01-messages-keyed-by-room-seq.ts';
import * as nonces from './2026-12-01-02-nonces.ts';
import * as accounts from './2026-12-01-03-accounts.ts';
import * as roomMessageRate from './2026-12-01-04-room-message-rate.ts';
import * as moderation from './2026-12-01-05-moderation.ts';
import * as timeline from './2026-12-03-01-timeline.ts';
import * as memberNameKey from './2026-12-03-02-member-name-key.ts';
import * as messageSearch from './2026-12-04-01-message-search.ts';
import * as conversations from './2026-12-04-02-conversations.ts';

/** Migrations by name, oldest first. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '2026-11-22-01-initial': initial,
  '2026-12-01-01-messages-keyed-by-room-seq': messagesKeyedByRoomSeq,
  '2026-12-01-02-nonces': nonces,
  '2026-12-01-03-accounts': accounts,
  '2026-12-01-04-room-message-rate': roomMessageRate,
  '2026-12-01-05-moderation': moderation,
  '2026-12-03-01-timeline': timeline,
  '2026-12-03-02-member-name-key': memberNameKey,
  '2026-12-04-01-message-search': messageSearch,
  '2026-12-04-02-conversations': conversations,
});

/** A MigrationProvider over {@link MIGRATIONS}. */
export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return { ...MIGRATIONS };
  },
};
