/**
 * A Parley node as a separate process (`parley serve`), for tests that kill nodes: SIGKILL for a
 * crash without goodbye, SIGTERM for a graceful drain, then start it again on the same port.
 * Logs (JSON lines) are kept for assertions and failure messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const START_TIMEOUT_MS = 30_000;

export interface NodeProcess extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` (the same after a restart). */
  readonly url: string;
  readonly port: number;
  /** Everything the process wrote so far. */
  logs(): string;
  /** Send `signal` and wait for the process to exit; resolves with its exit code (null when killed by a signal). */
  kill(signal: NodeJS.Signals): Promise<number | null>;
  /** Start it again, on the same port and settings. */
  start(): Promise<void>;
}

/**
 * Start `parley serve` with `env` (on top of a minimal environment) and wait until it listens: until
 * its output matches `listening`, whose first group is the port (by default the JSON start-up line).
 */
export async function startNodeProcess(env: Record<string, string>, listening = /"url":"http:\/\/127\.0\.0\.1:(\d+)"/): Promise<NodeProcess> {
  let port = Number(env.PORT ?? 0);
  let child: ChildProcess | undefined;
  let output = '';

  const start = async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    const listened = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node did not listen within ${START_TIMEOUT_MS} ms:\n${output.slice(-3000)}`)), START_TIMEOUT_MS);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = listening.exec(output);
        if (match !== null) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`node exited with ${code} during start:\n${output.slice(-3000)}`));
      });
    });
    port = await listened;
  };

  const kill = async (signal: NodeJS.Signals) => {
    const proc = child;
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return proc?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill(signal);
    return exited;
  };

  await start();
  const node: NodeProcess = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    logs: () => output,
    kill,
    start,
    async [Symbol.asyncDispose]() {
      await kill('SIGKILL');
    },
  };
  return node;
}
