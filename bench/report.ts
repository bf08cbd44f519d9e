/**
 * Result rows, the human table, and the target check of the benchmark issue.
 */
import type { ScenarioName, ServerName } from './ipc.ts';

/**
 * One server × scenario result. The first fifteen fields are the documented JSON line; the rest
 * explain it (what was offered, whether the load generator kept up, errors by code).
 */
export interface Row {
  readonly server: ServerName;
  readonly scenario: ScenarioName;
  readonly sent: number;
  readonly acked: number;
  readonly deliveries: number;
  readonly deliveries_per_s: number;
  readonly p50_ms: number | null;
  readonly p99_ms: number | null;
  readonly max_ms: number | null;
  readonly cpu_us_per_delivery: number | null;
  readonly rss_mb: number | null;
  readonly kb_per_conn: number | null;
  readonly conns_per_s: number | null;
  readonly lost: number;
  readonly duplicated: number;
  // Context.
  readonly conns: number;
  readonly offered_rate: number | null;
  readonly duration_s: number | null;
  readonly skipped: number;
  readonly reordered: number;
  readonly closed: number;
  readonly errors: Record<string, number>;
  readonly ack_p50_ms: number | null;
  readonly ack_p99_ms: number | null;
  readonly server_cpu_pct: number | null;
  readonly load_cpu_pct: number | null;
  /**
   * CPU used by every other process on the machine during the measured phase, % of one core. Above
   * ~10 the run was disturbed (latency tails first, CPU per delivery less so): rerun it.
   */
  readonly other_cpu_pct: number | null;
  /** Share of the server's CPU time spent in the kernel (syscalls: socket writes, fsync), %. */
  readonly server_sys_share_pct: number | null;
  /** CPU use (% of one core) of the server and of the load generator while connections were opened. */
  readonly connect_server_cpu_pct: number | null;
  readonly connect_load_cpu_pct: number | null;
  /**
   * Idle connections, per connection of the second half, after a full GC, KiB: RSS growth, JS heap
   * growth and external (Buffer, ArrayBuffer, bound C++) growth. `kb_per_conn` is the larger of
   * `rss_kb_per_conn` and heap + external, both lower bounds of the true cost.
   */
  readonly rss_kb_per_conn: number | null;
  readonly heap_kb_per_conn: number | null;
  readonly external_kb_per_conn: number | null;
  /** reconnect-storm: from dropping every connection to the last resume answered, ms; and reconnections per second over it. */
  readonly resume_ms?: number;
  readonly reconnects_per_s?: number;
  /** Ramp mode: highest offered rate sustained with p99 under the bound (0 if none). */
  readonly max_rate?: number;
  /** Ramp mode: every step, in order. */
  readonly steps?: readonly { rate: number; p99_ms: number; cpu_us_per_delivery: number | null; load_cpu_pct: number; ok: boolean; why: string }[];
  /** With --repeat: how many runs succeeded, and each run's value (the row itself is the median run; lost and duplicated are summed over runs). */
  readonly runs?: number;
  readonly cpu_us_per_delivery_runs?: readonly (number | null)[];
  readonly p99_ms_runs?: readonly (number | null)[];
  readonly kb_per_conn_runs?: readonly (number | null)[];
  readonly conns_per_s_runs?: readonly (number | null)[];
  readonly resume_ms_runs?: readonly (number | null)[];
  /** Set when the run failed; the other fields are then partial. */
  readonly failure?: string;
}

/** Other processes' CPU (% of one core) above which a row is flagged as disturbed. */
export const NOISY_OTHER_CPU_PCT = 10;

const round = (value: number | null, digits: number): number | null => (value === null || !Number.isFinite(value) ? null : Number(value.toFixed(digits)));

/** Round the measured floats for output. */
export function tidy(row: Row): Row {
  return {
    ...row,
    deliveries_per_s: Math.round(row.deliveries_per_s),
    p50_ms: round(row.p50_ms, 2),
    p99_ms: round(row.p99_ms, 2),
    max_ms: round(row.max_ms, 2),
    cpu_us_per_delivery: round(row.cpu_us_per_delivery, 2),
    rss_mb: round(row.rss_mb, 1),
    kb_per_conn: round(row.kb_per_conn, 2),
    conns_per_s: round(row.conns_per_s, 0),
    ack_p50_ms: round(row.ack_p50_ms, 2),
    ack_p99_ms: round(row.ack_p99_ms, 2),
    server_cpu_pct: round(row.server_cpu_pct, 1),
    load_cpu_pct: round(row.load_cpu_pct, 1),
    server_sys_share_pct: round(row.server_sys_share_pct, 1),
    other_cpu_pct: round(row.other_cpu_pct, 1),
    connect_server_cpu_pct: round(row.connect_server_cpu_pct, 1),
    connect_load_cpu_pct: round(row.connect_load_cpu_pct, 1),
    heap_kb_per_conn: round(row.heap_kb_per_conn, 2),
    rss_kb_per_conn: round(row.rss_kb_per_conn, 2),
    external_kb_per_conn: round(row.external_kb_per_conn, 2),
    duration_s: round(row.duration_s, 1),
  };
}

const COLUMNS: readonly [string, (row: Row) => string][] = [
  ['server', (r) => r.server],
  ['scenario', (r) => r.scenario],
  ['rate', (r) => (r.max_rate !== undefined ? `max ${r.max_rate}` : r.offered_rate === null ? '-' : String(r.offered_rate))],
  ['sent', (r) => String(r.sent)],
  ['acked', (r) => String(r.acked)],
  ['deliveries', (r) => String(r.deliveries)],
  ['deliv/s', (r) => String(Math.round(r.deliveries_per_s))],
  ['p50 ms', (r) => fmt(r.p50_ms, 2)],
  ['p99 ms', (r) => fmt(r.p99_ms, 2)],
  ['max ms', (r) => fmt(r.max_ms, 1)],
  ['cpu µs/deliv', (r) => fmt(r.cpu_us_per_delivery, 2)],
  ['rss MB', (r) => fmt(r.rss_mb, 1)],
  ['KB/conn', (r) => fmt(r.kb_per_conn, 2)],
  ['conns/s', (r) => fmt(r.conns_per_s, 0)],
  ['resume ms', (r) => fmt(r.resume_ms ?? null, 0)],
  ['lost', (r) => String(r.lost)],
  ['dup', (r) => String(r.duplicated)],
  ['load cpu%', (r) => fmt(r.load_cpu_pct, 0)],
  ['other cpu%', (r) => fmt(r.other_cpu_pct, 0)],
];

function fmt(value: number | null, digits: number): string {
  return value === null ? '-' : value.toFixed(digits);
}

/** The results as an aligned text table, with failures and errors listed below it. */
export function formatTable(rows: readonly Row[]): string {
  const cells = [COLUMNS.map(([title]) => title), ...rows.map((row) => COLUMNS.map(([, get]) => get(row)))];
  const widths = COLUMNS.map((_, c) => Math.max(...cells.map((line) => line[c]!.length)));
  const lines = cells.map((line) => line.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) {
    const notes: string[] = [];
    if (row.failure !== undefined) notes.push(`FAILED: ${row.failure.split('\n')[0]}`);
    if (Object.keys(row.errors).length > 0) notes.push(`errors ${JSON.stringify(row.errors)}`);
    if (row.skipped > 0) notes.push(`${row.skipped} sends skipped (server behind)`);
    if (row.reordered > 0) notes.push(`${row.reordered} out of order`);
    if (row.closed > 0) notes.push(`${row.closed} connections closed by the server`);
    if (row.other_cpu_pct !== null && row.other_cpu_pct > NOISY_OTHER_CPU_PCT) notes.push(`other processes used ${row.other_cpu_pct.toFixed(0)} % of a core meanwhile: noisy, rerun`);
    if (row.load_cpu_pct !== null && row.load_cpu_pct > 90) notes.push(`load generator at ${row.load_cpu_pct.toFixed(0)} % CPU: client-bound`);
    if (notes.length > 0) lines.push(`  ${row.server} / ${row.scenario}: ${notes.join('; ')}`);
  }
  return lines.join('\n');
}

/** One target of the benchmark issue and whether this run met it. */
export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

/** Check the targets against the rows present (a target whose inputs are missing is `undefined`). */
export function checkTargets(rows: readonly Row[]): TargetCheck[] {
  const find = (server: ServerName, scenario: ScenarioName): Row | undefined => rows.find((r) => r.server === server && r.scenario === scenario && r.failure === undefined);
  const cpu = (server: ServerName): number | null => find(server, 'many-small-rooms')?.cpu_us_per_delivery ?? null;
  const checks: TargetCheck[] = [];
  const ratio = (label: string, server: ServerName, base: ServerName, max: number, strict = false): void => {
    const a = cpu(server);
    const b = cpu(base);
    if (a === null || b === null) return void checks.push({ target: label, measured: 'not measured', met: undefined });
    const rounds = perRoundRatios(find(server, 'many-small-rooms'), find(base, 'many-small-rooms'));
    const r = rounds === undefined ? a / b : median(rounds);
    const measured =
      rounds === undefined
        ? `${a.toFixed(2)} / ${b.toFixed(2)} µs = ${r.toFixed(3)}×`
        : `median of per-round ratios ${r.toFixed(3)}× (rounds ${rounds.map((x) => x.toFixed(2)).join(', ')}; medians ${a.toFixed(2)} / ${b.toFixed(2)} µs)`;
    checks.push({ target: label, measured, met: strict ? r < max : r <= max });
  };
  ratio('many-small-rooms: parley CPU/delivery ≤ 1.5 × ws', 'parley', 'ws', 1.5);
  ratio('many-small-rooms: parley CPU/delivery < socketio', 'parley', 'socketio', 1, true);
  ratio('many-small-rooms: parley-relay CPU/delivery ≤ 1.2 × ws', 'parley-relay', 'ws', 1.2);
  for (const server of ['parley', 'parley-relay'] as const) {
    const idle = find(server, 'idle-connections');
    checks.push({
      target: `idle-connections: ${server} < 10 KB RSS per connection`,
      measured: idle?.kb_per_conn == null ? 'not measured' : `${idle.kb_per_conn.toFixed(2)} KB`,
      met: idle?.kb_per_conn == null ? undefined : idle.kb_per_conn < 10,
    });
  }
  const bad = rows.filter((r) => r.lost > 0 || r.duplicated > 0);
  checks.push({
    target: 'zero lost and duplicated deliveries everywhere',
    measured: bad.length === 0 ? `0 in ${rows.length} runs` : bad.map((r) => `${r.server}/${r.scenario}: ${r.lost} lost, ${r.duplicated} dup`).join('; '),
    met: rows.length === 0 ? undefined : bad.length === 0,
  });
  return checks;
}

/**
 * With `--repeat`, the ratio of two servers' CPU per delivery in each round: runs of one round are
 * minutes apart at most, so a slow spell of the machine (a shared VM) weighs on both sides alike.
 * Undefined when either row has no per-round values (a single run, or a failed round).
 */
function perRoundRatios(a: Row | undefined, b: Row | undefined): number[] | undefined {
  const x = a?.cpu_us_per_delivery_runs;
  const y = b?.cpu_us_per_delivery_runs;
  if (x === undefined || y === undefined || x.length !== y.length || x.length < 2) return undefined;
  const ratios: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const [p, q] = [x[i], y[i]];
    if (p == null || q == null || q === 0) return undefined;
    ratios.push(p / q);
  }
  return ratios;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((p, q) => p - q);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The target checks as text lines. */
export function formatTargets(checks: readonly TargetCheck[]): string {
  return checks.map((c) => `${c.met === undefined ? '   n/a' : c.met ? '   met' : 'MISSED'}  ${c.target}: ${c.measured}`).join('\n');
}
