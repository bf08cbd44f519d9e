/**
 * Force a full garbage collection in a server started with `--inspect=127.0.0.1:<port>`, through the
 * DevTools protocol (`HeapProfiler.collectGarbage`), and read its `process.memoryUsage()`. The idle-connections
 * scenario does this before and after opening the connections so that RSS per connection is not
 * hidden by heap slack left from set-up (or inflated by garbage), the same way for every server and
 * without any code in the server.
 */
import WebSocket from 'ws';
import { withTimeout } from './drivers/driver.ts';

const TIMEOUT_MS = 30_000;

/** Memory of the inspected process after a full GC, in bytes (from its `process.memoryUsage()`). */
export interface MemoryAfterGc {
  /** Live JS objects. */
  readonly heapUsed: number;
  /** Memory of C++ objects bound to JS objects, ArrayBuffers and Buffers included. */
  readonly external: number;
}

/** Run a full GC in the inspected process and return its memory use. */
export async function collectGarbage(inspectPort: number): Promise<MemoryAfterGc> {
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
  const call = (method: string, params?: unknown): Promise<unknown> =>
    withTimeout(
      new Promise((resolve, reject) => {
        const id = ++nextId;
        pending.set(id, (result) => (result instanceof Error ? reject(result) : resolve(result)));
        socket.send(JSON.stringify({ id, method, params }));
      }),
      TIMEOUT_MS,
      `inspector ${method}`,
    );
  try {
    await withTimeout(new Promise<void>((resolve, reject) => socket.once('open', resolve).once('error', reject)), TIMEOUT_MS, 'inspector connect');
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const evaluated = (await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })) as { result: { value: string } };
    const usage = JSON.parse(evaluated.result.value) as { heapUsed: number; external: number };
    return { heapUsed: usage.heapUsed, external: usage.external };
  } finally {
    socket.close();
  }
}
