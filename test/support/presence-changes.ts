/**
 * Reading `presence` pushes in tests: each carries the changes of one flush window, so a test
 * looks for a change inside a push, not for a push per change.
 */
import type { PresenceChange, PresencePush } from '../../src/protocol/index.ts';

/** Any received frame (raw-wire or in-process). */
type AnyFrame = { readonly type: string };

/** The changes a frame carries: a presence push's, in order; none for other frames. */
export function changesOf(frame: AnyFrame): PresenceChange[] {
  return frame.type === 'presence' ? (frame as unknown as PresencePush).changes : [];
}

/** A frame predicate: a presence push announcing `userId` online (`true`) or offline (`false`). */
export function announces(userId: string, online: boolean): (frame: AnyFrame) => boolean {
  return (frame) => changesOf(frame).some((c) => c.userId === userId && c.online === online);
}
