/**
 * Command-line options of `npm run bench` (see `bench/README.md`), with the defaults of a full run
 * (about 8–10 minutes on 2 cores) and of `--quick` (about 1–2 minutes).
 */
import { parseArgs } from 'node:util';
import { SCENARIO_NAMES, SERVER_NAMES, type ScenarioName, type ServerName } from './ipc.ts';

export interface Options {
  readonly servers: readonly ServerName[];
  readonly scenarios: readonly ScenarioName[];
  readonly json: boolean;
  readonly quick: boolean;
  /** Also append every JSON line to this file. */
  readonly out: string | undefined;
  readonly small: { readonly rooms: number; readonly members: number; readonly rate: number };
  readonly large: { readonly receivers: number; readonly senders: number; readonly rate: number };
  readonly idle: { readonly conns: number; readonly roomSize: number; readonly holdMs: number };
  /** reconnect-storm: connections, members per room, messages per room during the storm, reconnections in flight. */
  readonly reconnect: { readonly conns: number; readonly roomSize: number; readonly messagesPerRoom: number; readonly concurrency: number };
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly drainTimeoutMs: number;
  readonly bodyBytes: number;
  readonly concurrency: number;
  readonly pin: boolean;
  readonly ramp: {
    readonly enabled: boolean;
    /** Starting rate per scenario; undefined = the scenario's rate. */
    readonly start: number | undefined;
    readonly factor: number;
    readonly stepMs: number;
    readonly maxSteps: number;
    readonly p99Ms: number;
  };
  /** Write a V8 CPU profile of Parley's processes into this directory. */
  readonly profileDir: string | undefined;
  /** Before each scenario, wait up to this long for the machine to be idle (0: do not wait). */
  readonly quietWaitMs: number;
  /** Rounds over every server × scenario; each reports its median run. */
  readonly repeat: number;
  /** Rerun a row disturbed by other processes up to this many times, keeping the least disturbed. */
  readonly retryNoisy: number;
  /** Extra `KEY=VALUE` environment for the Parley processes (e.g. PARLEY_SQLITE_SYNCHRONOUS=NORMAL). */
  readonly parleyEnv: Record<string, string>;
}

export const USAGE = `Usage: npm run bench -- [options]

  --servers LIST        comma-separated: ${SERVER_NAMES.join(',')} (default: all)
  --scenarios LIST      comma-separated: small,large,idle,reconnect or ${SCENARIO_NAMES.join(',')} (default: all)
  --quick               smoke run (~2 min): 4 s phases after 1 s warm-up, a 500-receiver large
                        room, 2,000 idle connections held 2 s; numbers are rougher than a full run
  --json                print one JSON object per server x scenario on stdout (progress on stderr)
  --out FILE            also append the JSON lines to FILE

  --rooms N             many-small-rooms: rooms (default 100)
  --members N           many-small-rooms: members per room (default 10)
  --rate N              many-small-rooms: offered messages/s over all members (default 1000)
  --large-receivers N   one-large-room: receivers besides the sender (default 1000; quick 500)
  --large-senders N     one-large-room: senders (default 1)
  --large-rate N        one-large-room: offered messages/s (default 20)
  --idle-conns N        idle-connections: connections (default 10000; quick 2000)
  --idle-room-size N    idle-connections: members per room (default 100)
  --idle-hold S         idle-connections: seconds to hold them (default 10; quick 2)
  --reconnect-conns N   reconnect-storm (Parley, persistent rooms): connections of one node that all
                        drop and reconnect at once, resuming with since (default 10000; quick 2000)
  --reconnect-room-size N  reconnect-storm: members per room (default 100)
  --reconnect-messages N   reconnect-storm: messages each room gets during the storm (default 5)
  --reconnect-concurrency N  reconnect-storm: reconnections in flight at once (default 500)
  --duration S          measured seconds per load phase (default 20; quick 4)
  --warmup S            unmeasured seconds at the same rate first (default 3; quick 1)
  --drain-timeout S     wait at most S for acks and deliveries after the last send (default 10)
  --body-bytes N        message body length (default 100)
  --concurrency N       connections / HTTP requests in flight while setting up (default 100)
  --no-pin              do not pin server and load generator to separate cores
  --quiet-wait S        before each scenario, wait up to S seconds for other processes to use
                        under 10 % of a core (default 0: do not wait); rows record other_cpu_pct
  --repeat N            run every server x scenario N times, interleaved (all servers, then all again),
                        and report each one's median run by CPU per delivery (idle: KB per
                        connection); the other runs' values are listed in *_runs fields (default 1)
  --retry-noisy N       rerun a row whose other_cpu_pct exceeded 10 % up to N times (waiting for
                        quiet first, up to 120 s), keeping the least disturbed attempt (default 0)

  --ramp                find the highest rate each server sustains with p99 under --ramp-p99
  --ramp-start N        first rate (default: the scenario's --rate / --large-rate)
  --ramp-factor X       multiply the rate by X each step (default 1.5)
  --ramp-step S         seconds per step (default 8; quick 4)
  --ramp-steps N        most steps (default 12)
  --ramp-p99 MS         latency bound (default 50)

  --profile DIR         run Parley with --cpu-prof, write profiles to DIR, print top self-time functions
  --parley-env K=V      extra environment for Parley (repeatable)
  -h, --help            this text`;

const SCENARIO_ALIASES: Record<string, ScenarioName> = {
  small: 'many-small-rooms',
  large: 'one-large-room',
  idle: 'idle-connections',
  reconnect: 'reconnect-storm',
  'reconnect-storm': 'reconnect-storm',
  'many-small-rooms': 'many-small-rooms',
  'one-large-room': 'one-large-room',
  'idle-connections': 'idle-connections',
};

/** Parse argv (without node and script); throws with a message naming the bad option. */
export function parseOptions(argv: string[]): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    options: {
      servers: { type: 'string' },
      scenarios: { type: 'string' },
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      rooms: { type: 'string' },
      members: { type: 'string' },
      rate: { type: 'string' },
      'large-receivers': { type: 'string' },
      'large-senders': { type: 'string' },
      'large-rate': { type: 'string' },
      'idle-conns': { type: 'string' },
      'idle-room-size': { type: 'string' },
      'idle-hold': { type: 'string' },
      'reconnect-conns': { type: 'string' },
      'reconnect-room-size': { type: 'string' },
      'reconnect-messages': { type: 'string' },
      'reconnect-concurrency': { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'drain-timeout': { type: 'string' },
      'body-bytes': { type: 'string' },
      concurrency: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      'quiet-wait': { type: 'string' },
      'retry-noisy': { type: 'string' },
      repeat: { type: 'string' },
      ramp: { type: 'boolean', default: false },
      'ramp-start': { type: 'string' },
      'ramp-factor': { type: 'string' },
      'ramp-step': { type: 'string' },
      'ramp-steps': { type: 'string' },
      'ramp-p99': { type: 'string' },
      profile: { type: 'string' },
      'parley-env': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const quick = values.quick;
  const num = (name: string, raw: string | undefined, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) throw new Error(`--${name} must be a number in [${min}, ${max}], got ${JSON.stringify(raw)}`);
    return value;
  };
  const list = <T extends string>(name: string, raw: string | undefined, map: (item: string) => T | undefined, all: readonly T[]): T[] => {
    if (raw === undefined) return [...all];
    const items = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
    return items.map((item) => {
      const mapped = map(item);
      if (mapped === undefined) throw new Error(`--${name}: unknown ${JSON.stringify(item)}`);
      return mapped;
    });
  };
  const servers = list('servers', values.servers, (s) => (SERVER_NAMES as readonly string[]).includes(s) ? (s as ServerName) : undefined, SERVER_NAMES);
  const defaultScenarios = values.ramp ? (['many-small-rooms'] as const) : SCENARIO_NAMES;
  const scenarios = list('scenarios', values.scenarios, (s) => SCENARIO_ALIASES[s], defaultScenarios);
  const parleyEnv: Record<string, string> = {};
  for (const pair of values['parley-env'] ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--parley-env expects KEY=VALUE, got ${JSON.stringify(pair)}`);
    parleyEnv[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return {
    servers,
    scenarios,
    json: values.json,
    quick,
    out: values.out,
    small: {
      rooms: num('rooms', values.rooms, 100, 1, 100_000),
      members: num('members', values.members, 10, 1, 100_000),
      rate: num('rate', values.rate, 1000, 1, 1_000_000),
    },
    large: {
      receivers: num('large-receivers', values['large-receivers'], quick ? 500 : 1000, 1, 100_000),
      senders: num('large-senders', values['large-senders'], 1, 1, 1000),
      rate: num('large-rate', values['large-rate'], 20, 1, 1_000_000),
    },
    idle: {
      conns: num('idle-conns', values['idle-conns'], quick ? 2000 : 10_000, 1, 1_000_000),
      roomSize: num('idle-room-size', values['idle-room-size'], 100, 1, 1_000_000),
      holdMs: num('idle-hold', values['idle-hold'], quick ? 2 : 10, 0, 3600) * 1000,
    },
    reconnect: {
      conns: num('reconnect-conns', values['reconnect-conns'], quick ? 2000 : 10_000, 1, 1_000_000),
      roomSize: num('reconnect-room-size', values['reconnect-room-size'], 100, 1, 1_000_000),
      messagesPerRoom: num('reconnect-messages', values['reconnect-messages'], 5, 0, 10_000),
      concurrency: num('reconnect-concurrency', values['reconnect-concurrency'], 500, 1, 100_000),
    },
    durationMs: num('duration', values.duration, quick ? 4 : 20, 1, 3600) * 1000,
    warmupMs: num('warmup', values.warmup, quick ? 1 : 3, 0, 3600) * 1000,
    drainTimeoutMs: num('drain-timeout', values['drain-timeout'], 10, 1, 600) * 1000,
    bodyBytes: num('body-bytes', values['body-bytes'], 100, 1, 60_000),
    concurrency: num('concurrency', values.concurrency, 100, 1, 10_000),
    pin: !values['no-pin'],
    quietWaitMs: num('quiet-wait', values['quiet-wait'], 0, 0, 3600) * 1000,
    repeat: num('repeat', values.repeat, 1, 1, 20),
    retryNoisy: num('retry-noisy', values['retry-noisy'], 0, 0, 10),
    ramp: {
      enabled: values.ramp,
      start: values['ramp-start'] === undefined ? undefined : num('ramp-start', values['ramp-start'], 0, 1, 10_000_000),
      factor: num('ramp-factor', values['ramp-factor'], 1.5, 1.01, 100),
      stepMs: num('ramp-step', values['ramp-step'], quick ? 4 : 8, 1, 3600) * 1000,
      maxSteps: num('ramp-steps', values['ramp-steps'], 12, 1, 100),
      p99Ms: num('ramp-p99', values['ramp-p99'], 50, 1, 60_000),
    },
    profileDir: values.profile,
    parleyEnv,
  };
}
