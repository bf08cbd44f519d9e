/**
 * How the orchestrator starts each server under test: one fresh process per server × scenario, on a
 * free loopback port, pinned to its own core when `taskset` exists, ready once `GET /healthz` → 200.
 * Parley runs exactly as an operator starts it (`node --import tsx src/main.ts serve`, production
 * mode, embedded defaults: SQLite in a fresh `DATA_DIR`, memory broker), except for the limits in
 * {@link ONE_ADDRESS_FOR_ALL}.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DriverName, ServerName, TargetInfo } from './ipc.ts';

/** The repository root (bench/..). */
export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

/** Whether `taskset` can pin processes to cores on this machine. */
export const CAN_PIN = (() => {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** `[command, ...args]` prefixed with `taskset -c <core>` when pinning is possible and wanted. */
export function pinned(core: number | undefined, command: string, args: string[]): [string, string[]] {
  if (core === undefined || !CAN_PIN) return [command, args];
  return ['taskset', ['-c', String(core), command, ...args]];
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

/**
 * The load generator speaks for every member from one loopback address and sends far faster per
 * socket than a person, so Parley's per-address and per-socket limits are raised (the per-member
 * message rate is raised per room, by the driver). `--parley-env` can still override them.
 */
const ONE_ADDRESS_FOR_ALL: Readonly<Record<string, string>> = {
  PARLEY_HTTP_RATE_LIMIT: '10000000',
  PARLEY_HTTP_AUTH_RATE_LIMIT: '10000000',
  PARLEY_WS_MAX_CONNECTIONS_PER_ADDRESS: '10000000',
  PARLEY_WS_FRAMES_PER_SECOND: '1000000',
  PARLEY_WS_FRAME_BURST: '10000000',
};

/** A running server under test. */
export interface RunningServer {
  readonly target: TargetInfo;
  readonly pid: number;
  /** The server's stdout + stderr. */
  readonly logFile: string;
  /** The inspector port, when started with `inspect`. */
  readonly inspectPort: number | undefined;
  /** SIGTERM, wait (bounded) for the exit, SIGKILL if needed, remove the temp directory (data and log). */
  stop(): Promise<void>;
  /** Whether the process has exited. */
  exited(): boolean;
}

export interface StartOptions {
  /** Core to pin the server to, or undefined to not pin. */
  readonly core: number | undefined;
  /** Directory for `--cpu-prof` output, or undefined for no profile. */
  readonly cpuProfDir: string | undefined;
  /** Extra environment for the server (e.g. Parley settings for a run). */
  readonly env: Record<string, string>;
  /** Start with the inspector on a loopback port (to force GC before memory readings) and a fixed-size young generation. */
  readonly inspect: boolean;
}

function entryFor(server: ServerName): { script: string; driver: DriverName; roomKind: 'persistent' | 'relay' } {
  switch (server) {
    case 'parley':
      return { script: 'src/main.ts', driver: 'parley', roomKind: 'persistent' };
    case 'parley-relay':
      return { script: 'src/main.ts', driver: 'parley', roomKind: 'relay' };
    case 'ws':
      return { script: 'bench/servers/ws-broadcast.ts', driver: 'ws', roomKind: 'persistent' };
    case 'socketio':
      return { script: 'bench/servers/socketio.ts', driver: 'socketio', roomKind: 'persistent' };
  }
}

/** Start `server` and resolve once it answers `/healthz`. */
export async function startServer(server: ServerName, options: StartOptions): Promise<RunningServer> {
  const { script, driver, roomKind } = entryFor(server);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `parley-bench-${server}-`));
  const token = randomBytes(24).toString('hex');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? dir,
    PORT: String(port),
    HOST: '127.0.0.1',
    ...options.env,
  };
  if (driver === 'parley') {
    Object.assign(env, { DATA_DIR: join(dir, 'data'), PARLEY_ADMIN_TOKEN: token, PARLEY_SESSION_SECRET: randomBytes(32).toString('base64url'), LOG_LEVEL: 'warn', NODE_ENV: 'production' }, ONE_ADDRESS_FOR_ALL, options.env);
  } else {
    Object.assign(env, { BENCH_TOKEN: token, NODE_ENV: 'production' });
  }
  const nodeArgs = ['--import', 'tsx'];
  if (options.cpuProfDir !== undefined) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
  const inspectPort = options.inspect ? await freePort() : undefined;
  // With the inspector, also fix the young generation at V8's maximum (16 MiB semi-spaces on 64-bit):
  // otherwise it grows and shrinks with allocation bursts and its pages swamp per-connection RSS.
  if (inspectPort !== undefined) nodeArgs.push(`--inspect=127.0.0.1:${inspectPort}`, '--min-semi-space-size=16', '--max-semi-space-size=16');
  const args = driver === 'parley' ? [...nodeArgs, script, 'serve'] : [...nodeArgs, script];
  const logFile = join(dir, 'server.log');
  const log = openSync(logFile, 'a');
  const [command, commandArgs] = pinned(options.core, process.execPath, args);
  const child: ChildProcess = spawn(command, commandArgs, { cwd: ROOT, env, stdio: ['ignore', log, log] });
  closeSync(log);
  let exitedFlag = false;
  const exitPromise = new Promise<void>((resolveExit) => child.once('exit', () => ((exitedFlag = true), resolveExit())));
  const pid = child.pid!;

  const stop = async (): Promise<void> => {
    if (!exitedFlag) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exitPromise;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exitedFlag) throw new Error(`${server} exited during start-up:\n${tail(logFile)}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${server} did not answer /healthz within ${READY_TIMEOUT_MS} ms:\n${tail(logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { target: { server, driver, port, token, roomKind }, pid, logFile, inspectPort, stop, exited: () => exitedFlag };
}

/** The last lines of a log file, for error messages. */
export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
