/**
 * The heartbeat sweep is sliced (issue 11, "Joining and reconnecting at scale"): with 2,000 idle
 * sockets and a 2 s heartbeat (8 ticks of 250 ms), each tick pings only its slice, so no tick
 * stalls the event loop for the whole population, and every socket is still pinged once per period.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance, monitorEventLoopDelay } from 'node:perf_hooks';
import { startServer } from '../support/server.ts';
import { RawClient } from '../support/ws-client.ts';
import { eventually } from '../support/eventually.ts';

const SOCKETS = 2000;
const PERIOD_MS = 2000;

test('each heartbeat tick pings one slice of the sockets, and every socket is pinged once per period', async () => {
  await using server = await startServer({ PARLEY_HEARTBEAT_INTERVAL_MS: String(PERIOD_MS), PARLEY_WS_MAX_CONNECTIONS: '100000' });
  const lobby = await server.createRoom({ joinRule: 'open' });
  const { token } = await server.joinRoom(lobby.room.id, null, 'Idle');
  const clients: RawClient[] = [];
  try {
    for (let i = 0; i < SOCKETS; i += 100) clients.push(...(await Promise.all(Array.from({ length: 100 }, () => RawClient.connect(server.wsUrl, token)))));
    const pings: number[][] = clients.map(() => []);
    clients.forEach((client, i) => client.socket.on('ping', () => pings[i]!.push(performance.now())));
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const from = performance.now();
    // Wait (on the event, not a fixed sleep) until every socket has been pinged twice: one whole period observed.
    await eventually('every socket pinged twice', 4 * PERIOD_MS, () => pings.every((times) => times.length >= 2));
    delay.disable();
    const all = pings.flatMap((times) => times.filter((t) => t >= from)).sort((a, b) => a - b);
    // The largest number of pings arriving within any 100 ms: an unsliced sweep sends all 2,000 at once.
    let burst = 0;
    for (let lo = 0, hi = 0; hi < all.length; hi++) {
      while (all[hi]! - all[lo]! > 100) lo++;
      burst = Math.max(burst, hi - lo + 1);
    }
    process.stderr.write(`heartbeat slices: largest burst ${burst} pings / 100 ms; event loop delay max ${(delay.max / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms\n`);
    assert.ok(burst <= SOCKETS / 2, `at most half the sockets pinged within 100 ms (got ${burst}; a slice is ${SOCKETS / 8})`);
    for (const times of pings) {
      const gap = times[1]! - times[0]!;
      assert.ok(gap > PERIOD_MS * 0.75 && gap < PERIOD_MS * 1.5, `each socket is pinged once per period (gap ${gap.toFixed(0)} ms)`);
    }
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
});
