/**
 * The messages exchanged between the orchestrator (`bench/run.ts`) and the load generator
 * (`bench/load.ts`) over the Node IPC channel. The orchestrator drives; the load generator answers
 * each command with one event, and announces `phase-start` so the orchestrator reads the server's
 * CPU counter at the moment the measured load begins.
 */

/** Servers under test. `parley-relay` is Parley with relay rooms; `ws` is the bare `ws` floor. */
export const SERVER_NAMES = ['parley', 'parley-relay', 'ws', 'socketio'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

/** Scenarios, by the names used in the report and the JSON lines. */
export const SCENARIO_NAMES = ['many-small-rooms', 'one-large-room', 'idle-connections', 'reconnect-storm'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** How the load generator talks to a server: Parley's HTTP + WebSocket, the same frames on bare ws, or Socket.IO. */
export type DriverName = 'parley' | 'ws' | 'socketio';

/** Where a started server listens and how to authenticate to it. */
export interface TargetInfo {
  readonly server: ServerName;
  readonly driver: DriverName;
  readonly port: number;
  /** Parley: the admin bearer token used to create rooms. Bare servers: the shared connect token. */
  readonly token: string;
  /** Parley: the kind of rooms to create. */
  readonly roomKind: 'persistent' | 'relay';
}

export interface SetupCommand {
  readonly cmd: 'setup';
  readonly target: TargetInfo;
  readonly rooms: number;
  readonly membersPerRoom: number;
  /** How many members of each room send (`0` = every member). */
  readonly sendersPerRoom: number;
  /** Body length in characters (ASCII); the send timestamp and message index lead it. */
  readonly bodyBytes: number;
  /** Connections (and HTTP provisioning requests) in flight at once. */
  readonly concurrency: number;
}

export interface ConnectCommand {
  readonly cmd: 'connect';
  /** Connect only this many of the members not yet connected (default: all of them). */
  readonly count?: number;
}

export interface RunCommand {
  readonly cmd: 'run';
  /** Offered messages per second, spread evenly over every sender. */
  readonly rate: number;
  readonly durationMs: number;
  /** After the last send, wait at most this long for acks and deliveries. */
  readonly drainTimeoutMs: number;
}

/**
 * Reconnect storm: every room's first member sends one message (so every member holds a seq), then
 * every connection is dropped at once and reopened, each joining again with `since` = the last seq
 * it received; a room's first member, once resumed, sends `messagesPerRoom` more. Answered with
 * `reconnected` once every expected delivery arrived (or the drain deadline passed).
 */
export interface ReconnectCommand {
  readonly cmd: 'reconnect';
  readonly messagesPerRoom: number;
  /** Reconnections in flight at once. */
  readonly concurrency: number;
  readonly drainTimeoutMs: number;
}

export interface QuitCommand {
  readonly cmd: 'quit';
}

export type Command = SetupCommand | ConnectCommand | RunCommand | ReconnectCommand | QuitCommand;

/** Counts and latencies of one load phase, as measured by the load generator's single clock. */
export interface PhaseResult {
  readonly offeredRate: number;
  readonly sent: number;
  readonly acked: number;
  /** Sends the generator skipped because too many were unacknowledged (the server fell behind). */
  readonly skipped: number;
  /** Error replies by code. */
  readonly errors: Record<string, number>;
  readonly deliveries: number;
  readonly expectedDeliveries: number;
  readonly lost: number;
  readonly duplicated: number;
  /** Deliveries whose seq was not above the previous one on the same connection. */
  readonly reordered: number;
  /** Connections that closed during the phase. */
  readonly closed: number;
  readonly sendWindowMs: number;
  /** From the first send to the last delivery (or the drain deadline). */
  readonly activeMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly ackP50Ms: number;
  readonly ackP99Ms: number;
  /** Load generator CPU use over the phase, % of one core: near 100 means it, not the server, was the limit. */
  readonly loadCpuPct: number;
  /** Load generator CPU time over the phase, µs. */
  readonly loadCpuUs: number;
  /** Whether every ack and every expected delivery arrived before the drain deadline. */
  readonly drained: boolean;
}

export type LoadEvent =
  | { readonly evt: 'provisioned'; readonly ms: number; readonly retries: number }
  | { readonly evt: 'connected'; readonly conns: number; readonly ms: number; readonly failed: number; readonly loadCpuPct: number; readonly firstError?: string }
  | { readonly evt: 'phase-start' }
  | {
      readonly evt: 'reconnected';
      /** Connections reopened and resumed, and those that failed. */
      readonly conns: number;
      readonly failed: number;
      /** From dropping every connection to the last resume (join with `since`) answered, ms. */
      readonly resumeMs: number;
      readonly deliveries: number;
      readonly expectedDeliveries: number;
      readonly lost: number;
      readonly duplicated: number;
      readonly errors: Record<string, number>;
      readonly firstError?: string;
    }
  | { readonly evt: 'phase-end'; readonly result: PhaseResult }
  | { readonly evt: 'failed'; readonly message: string };
