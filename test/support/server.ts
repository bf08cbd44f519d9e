/**
 * A disposable Parley node for tests: real HTTP and WebSocket on 127.0.0.1 and a free port, a fresh
 * temporary DATA_DIR (kept across `restart()`), a known admin token, silent logs, and
 * {@link UNTHROTTLED} limits unless the test sets its own.
 * Use with `await using server = await startServer()` (STYLE C13).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer, type ParleyServer } from '../../src/server.ts';
import { loadConfig } from '../../src/config.ts';
import type { RoomInfo, RoomPolicy } from '../../src/protocol/index.ts';
import type { JoinResponse } from '../../src/protocol/http.ts';
import { RawClient } from './ws-client.ts';

export interface TestServer extends AsyncDisposable {
  /** Base URL, e.g. `http://127.0.0.1:41234` (changes on restart). */
  readonly url: string;
  /** `ws://127.0.0.1:PORT/ws`. */
  readonly wsUrl: string;
  readonly adminToken: string;
  readonly dataDir: string;
  /** fetch against the server with the admin bearer token. */
  admin(path: string, init?: { method?: string; body?: unknown }): Promise<Response>;
  /** Create a room through the admin API (join rule `code` unless given). */
  createRoom(options?: Partial<RoomPolicy> & { name?: string; id?: string }): Promise<AdminRoomResponse>;
  /** Join through `POST /api/v1/join` as a newcomer (with `token`, the same join session joins another room). */
  joinRoom(roomId: string, code: string | null, name: string, token?: string): Promise<Joined>;
  /**
   * Join `roomId` over HTTP as `name`, connect a raw WebSocket client with the session token, and
   * (unless `join: false`) join the room on it.
   */
  member(roomId: string, code: string | null, name: string, options?: { join?: boolean }): Promise<Joined & { client: RawClient }>;
  /** Stop the node (clients see their sockets close); `start()` brings it back on the same port and DATA_DIR. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** `stop()` then `start()`. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Per-address and per-user limits raised far beyond what any suite does: every suite speaks for
 * many users from one loopback address. Tests of the limits set them (an empty string restores a
 * setting's default, since empty counts as unset).
 */
export const UNTHROTTLED: Readonly<Record<string, string>> = {
  PARLEY_HTTP_RATE_LIMIT: '10000000',
  PARLEY_HTTP_AUTH_RATE_LIMIT: '10000000',
  PARLEY_WS_MAX_CONNECTIONS_PER_ADDRESS: '10000000',
  PARLEY_WS_FRAMES_PER_SECOND: '1000000',
  PARLEY_WS_FRAME_BURST: '10000000',
  PARLEY_MESSAGES_PER_MINUTE: '1000000',
};

type AdminRoomResponse = { room: RoomInfo; joinCode: string | null };

/** A newcomer's join answer: always with its join session's token. */
export type Joined = JoinResponse & { readonly token: string; readonly expiresAt: number };

/** Start a node; `env` adds or overrides settings (names as in docs/configuration.md). */
export async function startServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'parley-test-'));
  const adminToken = env.PARLEY_ADMIN_TOKEN ?? randomBytes(32).toString('base64url');
  const config = loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', ...UNTHROTTLED, ...env, DATA_DIR: dataDir, PARLEY_ADMIN_TOKEN: adminToken });
  let server: ParleyServer | undefined = await createServer(config);
  let url = await server.listen();
  const port = new URL(url).port;
  let closed = false;

  const admin = (path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(url + path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${adminToken}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: init.body === undefined ? null : JSON.stringify(init.body),
    });

  const fixture: TestServer = {
    get url() {
      return url;
    },
    get wsUrl() {
      return `${url.replace(/^http/, 'ws')}/ws`;
    },
    adminToken,
    dataDir,
    admin,
    async createRoom(options = {}) {
      const res = await admin('/api/v1/admin/rooms', { body: { name: options.name ?? 'Test room', ...options } });
      if (res.status !== 201) throw new Error(`createRoom: ${res.status} ${await res.text()}`);
      return (await res.json()) as AdminRoomResponse;
    },
    async joinRoom(roomId, code, name, token) {
      const res = await fetch(`${url}/api/v1/join`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
        body: JSON.stringify({ roomId, name, ...(code === null ? {} : { code }) }),
      });
      if (res.status !== 200) throw new Error(`joinRoom: ${res.status} ${await res.text()}`);
      const joined = (await res.json()) as JoinResponse;
      if (joined.token === undefined || joined.expiresAt === undefined) throw new Error('joinRoom: no session token in the answer');
      return joined as Joined;
    },
    async member(roomId, code, name, options = {}) {
      const joined = await fixture.joinRoom(roomId, code, name);
      const client = await RawClient.connect(fixture.wsUrl, joined.token);
      if (options.join !== false) await client.request({ type: 'join', roomId });
      return { ...joined, client };
    },
    async stop() {
      await server?.close();
      server = undefined;
    },
    async start() {
      server = await createServer({ ...config, http: { ...config.http, port: Number(port) } });
      url = await server.listen();
    },
    async restart() {
      await fixture.stop();
      await fixture.start();
    },
    async close() {
      if (closed) return;
      closed = true;
      await server?.close();
      if (env.DATA_DIR === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
    [Symbol.asyncDispose]() {
      return fixture.close();
    },
  };
  return fixture;
}
