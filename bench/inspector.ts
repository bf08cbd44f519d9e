/**
 * Force a full garbage collection in a server started with `--inspect=127.0.0.1:<port>`, through the
 * DevTools protocol (`HeapProfiler.collectGarbage`), and read its heap use. The idle-connections
 * scenario does this before and after opening the connections so that RSS per connection is not
 * hidden by heap slack left from set-up (or inflated by garbage), the same way for every server and
 * without any code in the server.
 */
import WebSocket from 'ws';
import { withTimeout } from './drivers/driver.ts';

const TIMEOUT_MS = 30_000;

/** Run a full GC in the inspected process and return its used JS heap in bytes. */
export async function collectGarbage(inspectPort: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${inspectPort}/json/list`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  const targets = (await res.json()) as { webSocketDebuggerUrl?: string }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (url === undefined) throw new Error('inspector: no debuggable target');
  const socket = new WebSocket(url, { perMessageDeflate: false });
  const pending = new Map<number, (result: unknown) => void>();
  let nextId = 0;
  socket.on('message', (data: Buffer) => {
    const reply = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: { message: string } };
    if (reply.id !== undefined) pending.get(reply.id)?.(reply.error === undefined ? reply.result : new Error(reply.error.message));
  });
  const call = (method: string): Promise<unknown> =>
    withTimeout(
      new Promise((resolve, reject) => {
        const id = ++nextId;
        pending.set(id, (result) => (result instanceof Error ? reject(result) : resolve(result)));
        socket.send(JSON.stringify({ id, method }));
      }),
      TIMEOUT_MS,
      `inspector ${method}`,
    );
  try {
    await withTimeout(new Promise<void>((resolve, reject) => socket.once('open', resolve).once('error', reject)), TIMEOUT_MS, 'inspector connect');
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const usage = (await call('Runtime.getHeapUsage')) as { usedSize: number };
    return usage.usedSize;
  } finally {
    socket.close();
  }
}
