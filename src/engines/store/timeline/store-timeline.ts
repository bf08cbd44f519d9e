/**
 * The persistent rooms' timeline of both engines (src/core/ports/store.ts, `StoreTimeline`): the
 * engine's group-committed `append`, plus the commits and reads both engines share (`commit.ts`,
 * `read.ts`).
 */
import type { Kysely } from 'kysely';
import type { StoreTimeline } from '../../../core/ports/store.ts';
import type { Database } from '../schema.ts';
import { guardWith, type ClassifyConstraint } from '../store-errors.ts';
import { createCommit, type CommitDialect } from './commit.ts';
import { createTimelineReads } from './read.ts';

/** Assemble the timeline over `db` around the engine's `append`. */
export function createStoreTimeline(db: Kysely<Database>, dialect: CommitDialect & { readonly classify: ClassifyConstraint }, append: StoreTimeline['append']): StoreTimeline {
  const guard = guardWith(dialect.classify);
  return { append, commit: createCommit(db, dialect, guard), ...createTimelineReads(db, guard) };
}
