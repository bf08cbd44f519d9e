/**
 * Run one server × scenario: start a fresh server process (core 0), a fresh load generator process
 * (core 1), drive the load generator over IPC, and read the server's CPU and memory from `/proc`
 * around each measured phase. Every wait has a deadline; on any failure both processes are stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command, LoadEvent, PhaseResult, ScenarioName, ServerName } from './ipc.ts';
import type { Options } from './options.ts';
import type { Row } from './report.ts';
import { cpuMicros, cpuTimes, machineBusyMicros, memoryKiB } from './proc.ts';
import { ROOT, pinned, startServer, tail, type RunningServer } from './targets.ts';
import { collectGarbage } from './inspector.ts';
import { formatProfile, summarizeProfile, type ProfileSummary } from './profile.ts';

const SERVER_CORE = 0;
const LOAD_CORE = 1;
const SETUP_TIMEOUT_MS = 600_000;
const SETTLE_MS = 1000;

type EventOf<E extends LoadEvent['evt']> = Extract<LoadEvent, { evt: E }>;

/** The load generator child and a queue of its events. */
class LoadProcess {
  readonly #child: ChildProcess;
  readonly #events: LoadEvent[] = [];
  #waiter: (() => void) | undefined;
  #exit: string | undefined;
  /** Called synchronously when the load generator announces the start of a measured phase. */
  onPhaseStart: () => void = () => {};

  constructor(pin: boolean) {
    const [command, args] = pinned(pin ? LOAD_CORE : undefined, process.execPath, ['--max-old-space-size=4096', '--import', 'tsx', 'bench/load.ts']);
    this.#child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (event: LoadEvent) => {
      if (event.evt === 'phase-start') this.onPhaseStart();
      else this.#events.push(event);
      this.#waiter?.();
    });
    this.#child.on('exit', (code, signal) => {
      this.#exit = `load generator exited (${code ?? signal})`;
      this.#waiter?.();
    });
  }

  send(command: Command): void {
    this.#child.send(command);
  }

  /** The next event, which must be `evt`; rejects on `failed`, on exit, or after `timeoutMs`. */
  async next<E extends LoadEvent['evt']>(evt: E, timeoutMs: number): Promise<EventOf<E>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = this.#events.shift();
      if (event !== undefined) {
        if (event.evt === 'failed') throw new Error(`load generator: ${event.message}`);
        if (event.evt !== evt) throw new Error(`load generator: expected ${evt}, got ${event.evt}`);
        return event as EventOf<E>;
      }
      if (this.#exit !== undefined) throw new Error(this.#exit);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`load generator: no ${evt} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#waiter = undefined;
    }
  }

  /** Ask it to quit; kill it if it has not exited within 5 s. */
  async stop(): Promise<void> {
    if (this.#exit !== undefined) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    try {
      this.#child.send({ cmd: 'quit' } satisfies Command);
    } catch {
      // channel already closed
    }
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** Peak resident memory, sampled in the background (VmHWM is also read at the end). */
class MemorySampler {
  peakKiB = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(private readonly pid: number) {
    this.#timer = setInterval(() => this.sample(), 250);
  }

  sample(): number | undefined {
    const mem = memoryKiB(this.pid);
    if (mem !== undefined) this.peakKiB = Math.max(this.peakKiB, mem.peakKiB, mem.rssKiB);
    return mem?.rssKiB;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** The shape of a scenario: rooms × members, senders per room (0 = all) and offered rate. */
function shapeOf(scenario: ScenarioName, options: Options): { rooms: number; members: number; senders: number; rate: number } {
  switch (scenario) {
    case 'many-small-rooms':
      return { rooms: options.small.rooms, members: options.small.members, senders: 0, rate: options.small.rate };
    case 'one-large-room':
      return { rooms: 1, members: options.large.receivers + options.large.senders, senders: options.large.senders, rate: options.large.rate };
    case 'idle-connections': {
      const rooms = Math.ceil(options.idle.conns / options.idle.roomSize);
      return { rooms, members: Math.ceil(options.idle.conns / rooms), senders: 0, rate: 0 };
    }
    case 'reconnect-storm': {
      const rooms = Math.ceil(options.reconnect.conns / options.reconnect.roomSize);
      return { rooms, members: Math.ceil(options.reconnect.conns / rooms), senders: 1, rate: 0 };
    }
  }
}

/** A measured phase: the load generator's result plus the server CPU used meanwhile. */
interface Measured {
  readonly result: PhaseResult;
  readonly serverCpuUs: number;
  /** Of which in the kernel. */
  readonly serverSysUs: number;
  /** CPU time of every other process on the machine meanwhile, µs. */
  readonly otherCpuUs: number;
  readonly wallMs: number;
  /** Profile clock window (µs of CLOCK_MONOTONIC). */
  readonly fromUs: number;
  readonly toUs: number;
}

/** One started server and load generator, set up and connected. */
class Session {
  private constructor(
    readonly server: RunningServer,
    readonly load: LoadProcess,
    readonly memory: MemorySampler,
    readonly profileDir: string | undefined,
  ) {}

  static async open(serverName: ServerName, options: Options, profileDir: string | undefined, inspect: boolean): Promise<Session> {
    const parley = serverName.startsWith('parley');
    const server = await startServer(serverName, {
      core: options.pin ? SERVER_CORE : undefined,
      cpuProfDir: profileDir,
      env: parley ? options.parleyEnv : {},
      inspect,
    });
    const memory = new MemorySampler(server.pid);
    const load = new LoadProcess(options.pin);
    return new Session(server, load, memory, profileDir);
  }

  async measure(rate: number, durationMs: number, drainTimeoutMs: number): Promise<Measured> {
    let cpuStart = { userUs: 0, systemUs: 0 };
    let wallStart = 0;
    let fromUs = 0;
    let machineStart = 0;
    this.load.onPhaseStart = () => {
      machineStart = machineBusyMicros();
      cpuStart = cpuTimes(this.server.pid) ?? cpuStart;
      wallStart = performance.now();
      fromUs = Number(process.hrtime.bigint() / 1000n);
    };
    this.load.send({ cmd: 'run', rate, durationMs, drainTimeoutMs });
    const { result } = await this.load.next('phase-end', durationMs + drainTimeoutMs + 60_000);
    const cpuEnd = cpuTimes(this.server.pid);
    const machineUs = machineBusyMicros() - machineStart;
    if (cpuEnd === undefined) throw new Error(`server exited during the run:\n${tail(this.server.logFile)}`);
    const serverSysUs = cpuEnd.systemUs - cpuStart.systemUs;
    const serverCpuUs = cpuEnd.userUs - cpuStart.userUs + serverSysUs;
    const otherCpuUs = Math.max(0, machineUs - serverCpuUs - result.loadCpuUs);
    return { result, serverCpuUs, serverSysUs, otherCpuUs, wallMs: performance.now() - wallStart, fromUs, toUs: Number(process.hrtime.bigint() / 1000n) };
  }

  /** Stop both processes; returns the server's peak RSS in KiB (read before it exits). */
  async close(): Promise<number> {
    this.memory.sample();
    const peak = this.memory.peakKiB;
    this.memory.stop();
    await this.load.stop();
    await this.server.stop();
    return peak;
  }
}

function emptyRow(server: ServerName, scenario: ScenarioName): Row {
  return {
    server, scenario, sent: 0, acked: 0, deliveries: 0, deliveries_per_s: 0, p50_ms: null, p99_ms: null, max_ms: null,
    cpu_us_per_delivery: null, rss_mb: null, kb_per_conn: null, conns_per_s: null, lost: 0, duplicated: 0,
    conns: 0, offered_rate: null, duration_s: null, skipped: 0, reordered: 0, closed: 0, errors: {},
    ack_p50_ms: null, ack_p99_ms: null, server_cpu_pct: null, load_cpu_pct: null, connect_server_cpu_pct: null, connect_load_cpu_pct: null, heap_kb_per_conn: null, rss_kb_per_conn: null, external_kb_per_conn: null, server_sys_share_pct: null, other_cpu_pct: null,
  };
}

function rowFrom(base: Row, measured: Measured): Row {
  const r = measured.result;
  return {
    ...base,
    sent: r.sent,
    acked: r.acked,
    deliveries: r.deliveries,
    deliveries_per_s: r.deliveries / (r.activeMs / 1000),
    p50_ms: r.p50Ms,
    p99_ms: r.p99Ms,
    max_ms: r.maxMs,
    cpu_us_per_delivery: r.deliveries > 0 ? measured.serverCpuUs / r.deliveries : null,
    lost: r.lost,
    duplicated: r.duplicated,
    offered_rate: r.offeredRate,
    duration_s: r.sendWindowMs / 1000,
    skipped: r.skipped,
    reordered: r.reordered,
    closed: r.closed,
    errors: r.errors,
    ack_p50_ms: r.ackP50Ms,
    ack_p99_ms: r.ackP99Ms,
    server_cpu_pct: (measured.serverCpuUs / 1000 / measured.wallMs) * 100,
    other_cpu_pct: (measured.otherCpuUs / 1000 / measured.wallMs) * 100,
    server_sys_share_pct: measured.serverCpuUs > 0 ? (measured.serverSysUs / measured.serverCpuUs) * 100 : null,
    load_cpu_pct: r.loadCpuPct,
  };
}

/** Why a ramp step does not count as sustained, or '' when it does. */
function unsustained(r: PhaseResult, p99BoundMs: number): string {
  if (r.lost > 0 || r.duplicated > 0) return `${r.lost} lost, ${r.duplicated} duplicated`;
  if (r.skipped > 0) return `${r.skipped} sends skipped`;
  if (Object.keys(r.errors).length > 0) return `errors ${JSON.stringify(r.errors)}`;
  if (!r.drained) return 'did not drain';
  if (r.sent / (r.sendWindowMs / 1000) < 0.95 * r.offeredRate) return 'offered rate not reached by the load generator';
  if (r.p99Ms > p99BoundMs) return `p99 ${r.p99Ms.toFixed(1)} ms`;
  return '';
}

/** Progress output (stderr). */
export type Log = (line: string) => void;

/** Profile summaries collected during the run, by `server/scenario`. */
export const profiles = new Map<string, { file: string; summary: ProfileSummary }>();

/**
 * Run `scenario` against `serverName` once (or, in ramp mode, step the rate up until it is no
 * longer sustained) and return its row. Never throws: a failure becomes `row.failure`.
 */
export async function runScenario(serverName: ServerName, scenario: ScenarioName, options: Options, log: Log): Promise<Row> {
  let row = emptyRow(serverName, scenario);
  const shape = shapeOf(scenario, options);
  const profileDir = options.profileDir !== undefined && serverName.startsWith('parley') ? join(options.profileDir, `${serverName}-${scenario}-${Date.now()}`) : undefined;
  let session: Session | undefined;
  let window: { fromUs: number; toUs: number } | undefined;
  let connectWindow: { fromUs: number; toUs: number } | undefined;
  try {
    if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });
    session = await Session.open(serverName, options, profileDir, scenario === 'idle-connections');
    const { load, server, memory } = session;
    load.send({
      cmd: 'setup',
      target: server.target,
      rooms: shape.rooms,
      membersPerRoom: shape.members,
      sendersPerRoom: shape.senders,
      bodyBytes: options.bodyBytes,
      concurrency: options.concurrency,
    });
    const provisioned = await load.next('provisioned', SETUP_TIMEOUT_MS);
    log(`  provisioned ${shape.rooms} rooms × ${shape.members} members in ${(provisioned.ms / 1000).toFixed(1)} s${provisioned.retries > 0 ? ` (${provisioned.retries} retries)` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const idle = scenario === 'idle-connections';
    const total = shape.rooms * shape.members;
    // Idle: connect half, force a GC, read RSS, connect the rest, hold, GC, read RSS again; the
    // marginal RSS of the second half is not hidden by heap slack left from provisioning.
    const firstBatch = idle ? Math.floor(total / 2) : total;
    const connectCpuStart = cpuMicros(server.pid) ?? 0;
    const connectFromUs = Number(process.hrtime.bigint() / 1000n);
    load.send({ cmd: 'connect', count: firstBatch });
    let connected = await load.next('connected', SETUP_TIMEOUT_MS);
    let rssMid = 0;
    let heapMid = { heapUsed: 0, external: 0 };
    let gcMs = 0;
    let secondConns = 0;
    if (idle && firstBatch < total) {
      const gcStart = performance.now();
      if (server.inspectPort !== undefined) heapMid = await collectGarbage(server.inspectPort);
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      rssMid = memory.sample() ?? 0;
      gcMs = performance.now() - gcStart;
      load.send({ cmd: 'connect' });
      const second = await load.next('connected', SETUP_TIMEOUT_MS);
      secondConns = second.conns;
      connected = {
        ...second,
        conns: connected.conns + second.conns,
        failed: connected.failed + second.failed,
        ms: connected.ms + second.ms,
        loadCpuPct: (connected.loadCpuPct * connected.ms + second.loadCpuPct * second.ms) / (connected.ms + second.ms),
        ...(connected.firstError === undefined ? {} : { firstError: connected.firstError }),
      };
    }
    connectWindow = { fromUs: connectFromUs, toUs: Number(process.hrtime.bigint() / 1000n) };
    const connectServerCpuPct = (((cpuMicros(server.pid) ?? connectCpuStart) - connectCpuStart) / 1000 / (connected.ms + gcMs)) * 100;
    const connsPerS = connected.conns / (connected.ms / 1000);
    log(`  connected ${connected.conns} in ${(connected.ms / 1000).toFixed(1)} s (${connsPerS.toFixed(0)}/s; server CPU ${connectServerCpuPct.toFixed(0)} %, load CPU ${connected.loadCpuPct.toFixed(0)} %)${connected.failed > 0 ? `, ${connected.failed} failed: ${connected.firstError ?? ''}` : ''}`);
    row = { ...row, conns: connected.conns, conns_per_s: connsPerS, connect_server_cpu_pct: connectServerCpuPct, connect_load_cpu_pct: connected.loadCpuPct };
    if (connected.failed > 0) row = { ...row, errors: { CONNECT_FAILED: connected.failed } };

    if (scenario === 'reconnect-storm') {
      const cpuStart = cpuMicros(server.pid) ?? 0;
      const t0 = performance.now();
      window = { fromUs: Number(process.hrtime.bigint() / 1000n), toUs: 0 };
      load.send({ cmd: 'reconnect', messagesPerRoom: options.reconnect.messagesPerRoom, concurrency: options.reconnect.concurrency, drainTimeoutMs: options.drainTimeoutMs });
      const storm = await load.next('reconnected', SETUP_TIMEOUT_MS);
      window.toUs = Number(process.hrtime.bigint() / 1000n);
      const cpuPct = (((cpuMicros(server.pid) ?? cpuStart) - cpuStart) / 1000 / (performance.now() - t0)) * 100;
      row = {
        ...row,
        resume_ms: storm.resumeMs,
        reconnects_per_s: storm.conns / (storm.resumeMs / 1000),
        deliveries: storm.deliveries,
        lost: storm.lost,
        duplicated: storm.duplicated,
        errors: { ...row.errors, ...storm.errors, ...(storm.failed > 0 ? { RECONNECT_FAILED: storm.failed } : {}) },
        server_cpu_pct: cpuPct,
      };
      log(`  reconnect storm: ${storm.conns} reconnected and resumed in ${(storm.resumeMs / 1000).toFixed(2)} s (${(storm.conns / (storm.resumeMs / 1000)).toFixed(0)}/s), ${storm.deliveries}/${storm.expectedDeliveries} deliveries, ${storm.lost} lost, ${storm.duplicated} duplicated${storm.failed > 0 ? `, ${storm.failed} failed: ${storm.firstError ?? ''}` : ''}`);
    } else if (idle) {
      const cpuStart = cpuMicros(server.pid) ?? 0;
      const machineStart = machineBusyMicros();
      const t0 = performance.now();
      window = { fromUs: Number(process.hrtime.bigint() / 1000n), toUs: 0 };
      const holdUntil = Date.now() + options.idle.holdMs;
      while (Date.now() < holdUntil) await new Promise((resolve) => setTimeout(resolve, Math.min(250, Math.max(1, holdUntil - Date.now()))));
      const cpuEnd = cpuMicros(server.pid) ?? cpuStart;
      const holdMs = performance.now() - t0;
      // The load generator only answers pings while holding; its share is in the noise figure.
      const otherCpuPct = (Math.max(0, machineBusyMicros() - machineStart - (cpuEnd - cpuStart)) / 1000 / holdMs) * 100;
      window.toUs = Number(process.hrtime.bigint() / 1000n);
      let heapEnd = { heapUsed: 0, external: 0 };
      if (server.inspectPort !== undefined) heapEnd = await collectGarbage(server.inspectPort);
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const rssEnd = memory.sample() ?? 0;
      // Two lower bounds of what the second half of the connections costs: RSS growth (hidden when
      // new objects fill pages the heap already held) and JS heap + external growth (blind to other
      // native memory). kb_per_conn is the larger.
      const n = secondConns;
      const rssKbPerConn = n > 0 ? (rssEnd - rssMid) / n : null;
      const heapKbPerConn = n > 0 && heapEnd.heapUsed > 0 ? (heapEnd.heapUsed - heapMid.heapUsed) / 1024 / n : null;
      const externalKbPerConn = n > 0 && heapEnd.heapUsed > 0 ? (heapEnd.external - heapMid.external) / 1024 / n : null;
      row = {
        ...row,
        kb_per_conn: rssKbPerConn === null ? null : Math.max(rssKbPerConn, (heapKbPerConn ?? 0) + (externalKbPerConn ?? 0)),
        rss_kb_per_conn: rssKbPerConn,
        heap_kb_per_conn: heapKbPerConn,
        external_kb_per_conn: externalKbPerConn,
        server_cpu_pct: ((cpuEnd - cpuStart) / 1000 / holdMs) * 100,
        other_cpu_pct: otherCpuPct,
      };
      log(`  held ${connected.conns} for ${options.idle.holdMs / 1000} s; after GC, from ${connected.conns - secondConns} to ${connected.conns} connections: RSS ${(rssMid / 1024).toFixed(1)} → ${(rssEnd / 1024).toFixed(1)} MB, JS heap ${(heapMid.heapUsed / 2 ** 20).toFixed(1)} → ${(heapEnd.heapUsed / 2 ** 20).toFixed(1)} MB, external ${(heapMid.external / 2 ** 20).toFixed(1)} → ${(heapEnd.external / 2 ** 20).toFixed(1)} MB`);
    } else if (!options.ramp.enabled) {
      if (options.warmupMs > 0) await session.measure(shape.rate, options.warmupMs, options.drainTimeoutMs);
      const measured = await session.measure(shape.rate, options.durationMs, options.drainTimeoutMs);
      window = { fromUs: measured.fromUs, toUs: measured.toUs };
      row = rowFrom(row, measured);
      log(`  ${measured.result.sent} sent, ${measured.result.deliveries} deliveries, p99 ${measured.result.p99Ms.toFixed(2)} ms, server CPU ${row.server_cpu_pct?.toFixed(0)} % (${row.server_sys_share_pct?.toFixed(0)} % of it in the kernel), load CPU ${measured.result.loadCpuPct.toFixed(0)} %, other processes ${row.other_cpu_pct?.toFixed(0)} %`);
    } else {
      // Up by `factor` while sustained; down by `factor` if the first rate is not; then one step
      // halfway between the best sustained and the first failing rate. A failing step is repeated
      // once before it counts, so one disturbance does not end the ramp.
      let rate = options.ramp.start ?? shape.rate;
      if (options.warmupMs > 0) await session.measure(rate, options.warmupMs, options.drainTimeoutMs);
      const steps: NonNullable<Row['steps']>[number][] = [];
      let best: Row | undefined;
      let firstBad: number | undefined;
      let mode: 'up' | 'down' | 'refine' = 'up';
      let retried = false;
      for (let step = 0; step < options.ramp.maxSteps; step++) {
        const measured = await session.measure(rate, options.ramp.stepMs, options.drainTimeoutMs);
        const why = unsustained(measured.result, options.ramp.p99Ms);
        const stepRow = rowFrom(row, measured);
        steps.push({ rate, p99_ms: measured.result.p99Ms, cpu_us_per_delivery: stepRow.cpu_us_per_delivery, load_cpu_pct: measured.result.loadCpuPct, ok: why === '', why });
        log(`  ramp ${rate}/s: p99 ${measured.result.p99Ms.toFixed(1)} ms, server CPU ${stepRow.server_cpu_pct?.toFixed(0)} %, load CPU ${measured.result.loadCpuPct.toFixed(0)} %, other ${stepRow.other_cpu_pct?.toFixed(0)} % ${why === '' ? 'sustained' : `NOT sustained (${why})`}`);
        if (why === '') {
          best = stepRow;
          window = { fromUs: measured.fromUs, toUs: measured.toUs };
          retried = false;
          if (mode === 'refine') break;
          if (mode === 'down') {
            mode = 'refine';
            firstBad = Math.round(rate * options.ramp.factor);
          } else {
            rate = Math.round(rate * options.ramp.factor);
            continue;
          }
        } else if (!retried) {
          retried = true;
          continue;
        } else {
          retried = false;
          if (mode === 'refine') break;
          if (best === undefined) {
            mode = 'down';
            rate = Math.floor(rate / options.ramp.factor);
            if (rate < 1) break;
            continue;
          }
          mode = 'refine';
          firstBad = rate;
        }
        const good = best.offered_rate ?? 0;
        const mid = Math.round((good + (firstBad ?? good)) / 2);
        if (mid <= good || mid >= (firstBad ?? good)) break;
        rate = mid;
      }
      const last = steps[steps.length - 1];
      row = { ...(best ?? row), max_rate: best?.offered_rate ?? 0, steps };
      if (best === undefined && last !== undefined) row = { ...row, p99_ms: last.p99_ms };
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log(`  FAILED: ${message}`);
    if (session !== undefined) log(tail(session.server.logFile, 15));
    row = { ...row, failure: message };
  }
  if (session !== undefined) {
    const peakKiB = await session.close().catch(() => 0);
    row = { ...row, rss_mb: peakKiB > 0 ? peakKiB / 1024 : null };
    if (profileDir !== undefined) {
      const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
      if (file === undefined) log('  no CPU profile was written (the server did not exit cleanly)');
      else {
        const path = join(profileDir, file);
        const summary = summarizeProfile(path, window);
        profiles.set(`${serverName}/${scenario}`, { file: path, summary });
        if (connectWindow !== undefined) log(`  CPU profile ${path}, while connecting and joining:\n${formatProfile(summarizeProfile(path, connectWindow, 12)).replace(/^/gm, '    ')}`);
        log(`  CPU profile ${path}, ${scenario === 'idle-connections' ? 'while holding' : 'measured phase'}:\n${formatProfile(summary).replace(/^/gm, '    ')}`);
      }
    }
  }
  return row;
}
