/**
 * What the SDK tests share: the `ws` package as the SDK's WebSocket; `until`, which polls a
 * condition on every turn of the event loop (the SDK's work is in-process, so no interval is
 * needed); and `plain`, a room state as values to compare field by field.
 */
import WebSocket from 'ws';
import type { RoomState, WebSocketConstructor } from '../../client/src/index.ts';

/** The `ws` package as the WebSocket the SDK takes in Node. */
export const WS = WebSocket as unknown as WebSocketConstructor;

/** Resolve once `check()` holds, polling every event-loop turn; reject naming `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The fields of a room state a person sees, as plain values for deepEqual: Maps and Sets become sorted entries. */
export function plain(state: RoomState) {
  return {
    messages: [...state.messages.entries()].sort(([a], [b]) => a - b),
    members: [...state.members.entries()].sort(([a], [b]) => a.localeCompare(b)),
    bans: [...state.bans].sort(),
    name: state.name,
    closedAt: state.closedAt,
  };
}
