/**
 * `/api/v1/auth/…` over real HTTP (issue: identity): registration and login set an access cookie
 * and a rotating refresh cookie with the right flags; a reused refresh token ends the whole
 * sign-in; login failures look the same whether or not the account exists; brute force is limited
 * per address and per account name; cookie-authenticated changes need the CSRF header; an account
 * uses the rest of the API (join a room by code, WebSocket) like any principal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { startServer, type TestServer } from '../../support/server.ts';
import { RawClient, upgradeStatus } from '../../support/ws-client.ts';
import { cookieHeader, send, type HttpAnswer } from '../../support/http-request.ts';
import { Tokens } from '../../../src/auth/tokens.ts';
import type { AuthResponse } from '../../../src/protocol/http.ts';

type Auth = AuthResponse & { accessToken: string; refreshToken: string };
type Failure = { error: { code: string; message: string; details?: Record<string, unknown> } };

const PASSWORD = 'correct horse battery staple';

/** POST a JSON body to an account route. */
function auth<T = Auth>(server: TestServer, route: string, json: unknown, options: { headers?: Record<string, string>; from?: string } = {}): Promise<HttpAnswer<T>> {
  return send<T>(`${server.url}/api/v1/auth/${route}`, { json, ...options });
}

/** Register `username` and return the answer, asserting it succeeded. */
async function register(server: TestServer, username: string, name?: string): Promise<HttpAnswer<Auth>> {
  const res = await auth(server, 'register', { username, password: PASSWORD, ...(name === undefined ? {} : { name }) });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res;
}

/** The error code of an answer. */
const codeOf = (res: HttpAnswer<unknown>) => (res.body as Failure).error?.code;

/** A CSRF token: any value, sent both as the `parley_csrf` cookie and the `x-csrf-token` header. */
const CSRF = 'csrf-token-for-tests';

test('registering creates an account and signs in: tokens in the body, httpOnly cookies with their flags, /me names the account', async () => {
  await using server = await startServer();
  const res = await register(server, '  Ada.Lovelace ', '  Ada  ');
  assert.deepEqual({ ...res.body.account, id: '' }, { id: '', username: 'ada.lovelace', name: 'Ada', role: 'user' });
  assert.ok(res.body.accessTokenExpiresAt > Date.now() && res.body.refreshTokenExpiresAt > res.body.accessTokenExpiresAt);

  const access = res.cookies.get('parley_access');
  const refresh = res.cookies.get('parley_refresh');
  assert.equal(access?.value, res.body.accessToken);
  assert.equal(refresh?.value, res.body.refreshToken);
  assert.match(access.attributes, /HttpOnly/);
  assert.match(access.attributes, /SameSite=Lax/);
  assert.match(access.attributes, /Path=\/(;|$)/);
  assert.match(refresh.attributes, /HttpOnly/);
  assert.match(refresh.attributes, /SameSite=Strict/);
  assert.match(refresh.attributes, /Path=\/api\/v1\/auth(;|$)/);
  assert.doesNotMatch(`${access.attributes} ${refresh.attributes}`, /Secure/, 'plain HTTP outside production');
  assert.match(res.body.refreshToken, /^[A-Za-z0-9_-]{43}$/, '256 random bits');

  const presented: Array<Record<string, string>> = [{ authorization: `Bearer ${res.body.accessToken}` }, { cookie: cookieHeader({ parley_access: res.body.accessToken }) }];
  for (const headers of presented) {
    const me = await send<{ account: { id: string; username: string; name: string }; expiresAt: number }>(`${server.url}/api/v1/auth/me`, { headers });
    assert.equal(me.status, 200);
    assert.deepEqual(me.body.account, res.body.account);
    assert.equal(me.body.expiresAt, res.body.accessTokenExpiresAt);
  }
  const defaulted = await register(server, 'Grace');
  assert.equal(defaulted.body.account.name, 'grace', 'the display name defaults to the username');
  assert.equal((await send(`${server.url}/api/v1/auth/me`)).status, 401);
});

test('in production both account cookies are Secure', async () => {
  await using server = await startServer({ NODE_ENV: 'production', PARLEY_SESSION_SECRET: randomBytes(32).toString('base64url') });
  const res = await register(server, 'secure-ada');
  assert.match(res.cookies.get('parley_access')?.attributes ?? '', /Secure/);
  assert.match(res.cookies.get('parley_refresh')?.attributes ?? '', /Secure/);
});

test('a username taken in any case answers 409 USERNAME_TAKEN; bad names and passwords are named field by field', async () => {
  await using server = await startServer();
  await register(server, 'linus');
  const taken = await auth(server, 'register', { username: 'LINUS', password: PASSWORD });
  assert.deepEqual([taken.status, codeOf(taken)], [409, 'USERNAME_TAKEN']);
  const paths = async (body: unknown) => ((await auth<Failure>(server, 'register', body)).body.error.details?.issues as Array<{ path: string }>).map((i) => i.path);
  assert.deepEqual(await paths({ username: 'ab', password: PASSWORD }), ['body.username']);
  assert.deepEqual(await paths({ username: 'x'.repeat(33), password: PASSWORD }), ['body.username']);
  assert.deepEqual(await paths({ username: 'bad name!', password: PASSWORD }), ['body.username']);
  assert.deepEqual(await paths({ username: 'shorty', password: 'short' }), ['body.password']);
  assert.deepEqual(await paths({ username: 'longname', password: PASSWORD, name: '   ' }), ['body.name']);
});

test('registration refuses a display name with a bidirectional override or a control character with VALIDATION_FAILED naming body.name and why (issue 11)', async () => {
  await using server = await startServer();
  for (const [name, reason] of [['Ada\u202Enimda', /bidirectional/], ['Ada\tAdmin', /control characters/]] as const) {
    const refused = await auth<Failure>(server, 'register', { username: 'ada', password: PASSWORD, name });
    assert.deepEqual([refused.status, codeOf(refused)], [400, 'VALIDATION_FAILED']);
    const issues = refused.body.error.details?.issues as Array<{ path: string; message: string }>;
    assert.deepEqual(issues.map((i) => i.path), ['body.name']);
    assert.match(issues[0]?.message ?? '', reason);
  }
  assert.equal((await register(server, 'ada', '  Ada \u{1F680} ')).body.account.name, 'Ada \u{1F680}');
});

test('a wrong password and an unknown username get the same 401 INVALID_CREDENTIALS answer; the right password in any case of the name signs in', async () => {
  await using server = await startServer();
  await register(server, 'ada');
  const wrong = await auth(server, 'login', { username: 'ada', password: 'not the password' });
  const unknown = await auth(server, 'login', { username: 'nobody', password: 'not the password' });
  assert.equal(wrong.status, 401);
  assert.deepEqual(wrong.body, unknown.body);
  assert.equal(codeOf(wrong), 'INVALID_CREDENTIALS');
  assert.equal(wrong.cookies.size, unknown.cookies.size, 'the same cookies (only the CSRF one)');
  const ok = await auth(server, 'login', { username: ' ADA ', password: PASSWORD });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.account.username, 'ada');
});

test('a login for an unknown name takes about as long as one with a wrong password (a dummy hash is verified)', async () => {
  await using server = await startServer({ PARLEY_AUTH_ATTEMPTS: '1000' });
  await register(server, 'timed');
  const time = async (username: string) => {
    const started = performance.now();
    const res = await auth(server, 'login', { username, password: 'wrong password' });
    assert.equal(codeOf(res), 'INVALID_CREDENTIALS');
    return performance.now() - started;
  };
  await time('warm-up');
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const known: number[] = [];
  const unknown: number[] = [];
  for (let i = 0; i < 7; i++) {
    known.push(await time('timed'));
    unknown.push(await time(`ghost-${i}`));
  }
  // Without the dummy verification an unknown name answers in ~1 ms against tens of ms.
  assert.ok(median(unknown) > median(known) / 2, `unknown ${median(unknown).toFixed(1)} ms vs wrong password ${median(known).toFixed(1)} ms`);
});

test('refresh rotates both tokens; reusing an old refresh token answers TOKEN_REPLAYED and ends the newer one too', async () => {
  await using server = await startServer();
  const first = (await register(server, 'rotor')).body;
  const second = await auth(server, 'refresh', { refreshToken: first.refreshToken });
  assert.equal(second.status, 200);
  assert.notEqual(second.body.refreshToken, first.refreshToken);
  assert.notEqual(second.body.accessToken, first.accessToken);
  assert.equal(second.cookies.get('parley_refresh')?.value, second.body.refreshToken);
  const third = await auth(server, 'refresh', { refreshToken: second.body.refreshToken });
  assert.equal(third.status, 200);

  // An attacker replays the first token: the whole family ends.
  const replay = await auth(server, 'refresh', { refreshToken: first.refreshToken });
  assert.deepEqual([replay.status, codeOf(replay)], [403, 'TOKEN_REPLAYED']);
  assert.match(replay.cookies.get('parley_refresh')?.attributes ?? '', /Expires=Thu, 01 Jan 1970/, 'the cookies are cleared');
  const newest = await auth(server, 'refresh', { refreshToken: third.body.refreshToken });
  assert.deepEqual([newest.status, codeOf(newest)], [401, 'UNAUTHENTICATED']);

  // Another sign-in of the same account is a separate family and lives on.
  const other = (await auth(server, 'login', { username: 'rotor', password: PASSWORD })).body;
  assert.equal((await auth(server, 'refresh', { refreshToken: other.refreshToken })).status, 200);
  assert.equal(codeOf(await auth(server, 'refresh', { refreshToken: 'never-issued' })), 'UNAUTHENTICATED');
  assert.equal(codeOf(await auth(server, 'refresh', {})), 'UNAUTHENTICATED');
});

test('refresh and logout with the refresh cookie need the CSRF header; a cookie refresh keeps the tokens out of the body', async () => {
  await using server = await startServer();
  const signedIn = (await register(server, 'cookie-user')).body;
  const cookie = cookieHeader({ parley_refresh: signedIn.refreshToken, parley_csrf: CSRF });
  const refused = await send<Failure>(`${server.url}/api/v1/auth/refresh`, { method: 'POST', headers: { cookie } });
  assert.deepEqual([refused.status, codeOf(refused)], [403, 'CSRF_FAILED']);
  const wrongHeader = await send<Failure>(`${server.url}/api/v1/auth/refresh`, { method: 'POST', headers: { cookie, 'x-csrf-token': 'other' } });
  assert.equal(codeOf(wrongHeader), 'CSRF_FAILED');

  const refreshed = await send<AuthResponse>(`${server.url}/api/v1/auth/refresh`, { method: 'POST', headers: { cookie, 'x-csrf-token': CSRF } });
  assert.equal(refreshed.status, 200);
  assert.equal(refreshed.body.refreshToken, undefined);
  assert.equal(refreshed.body.accessToken, undefined);
  const rotated = refreshed.cookies.get('parley_refresh')?.value ?? '';
  assert.notEqual(rotated, signedIn.refreshToken);
  assert.ok(refreshed.cookies.get('parley_access')?.value);

  const next = cookieHeader({ parley_refresh: rotated, parley_csrf: CSRF });
  assert.equal(codeOf(await send(`${server.url}/api/v1/auth/logout`, { method: 'POST', headers: { cookie: next } })), 'CSRF_FAILED');
  const out = await send(`${server.url}/api/v1/auth/logout`, { method: 'POST', headers: { cookie: next, 'x-csrf-token': CSRF } });
  assert.equal(out.status, 200);
  for (const name of ['parley_access', 'parley_refresh']) assert.match(out.cookies.get(name)?.attributes ?? '', /Expires=Thu, 01 Jan 1970/, `${name} is cleared`);
  assert.match(out.cookies.get('parley_refresh')?.attributes ?? '', /Path=\/api\/v1\/auth/);
  const after = await auth(server, 'refresh', { refreshToken: rotated });
  assert.equal(codeOf(after), 'UNAUTHENTICATED', 'logout revoked the family');
});

test('a cookie-authenticated POST without x-csrf-token is refused with CSRF_FAILED and passes with it', async () => {
  await using server = await startServer();
  const { accessToken } = (await register(server, 'owner')).body;
  const body = { name: 'Mine' };
  const without = await send(`${server.url}/api/v1/rooms`, { json: body, headers: { cookie: cookieHeader({ parley_access: accessToken, parley_csrf: CSRF }) } });
  assert.deepEqual([without.status, codeOf(without)], [403, 'CSRF_FAILED']);
  const withHeader = await send<{ room: { id: string } }>(`${server.url}/api/v1/rooms`, { json: body, headers: { cookie: cookieHeader({ parley_access: accessToken, parley_csrf: CSRF }), 'x-csrf-token': CSRF } });
  assert.equal(withHeader.status, 201);
  const bearer = await send(`${server.url}/api/v1/rooms`, { json: body, headers: { authorization: `Bearer ${accessToken}` } });
  assert.equal(bearer.status, 201, 'a bearer token is not exposed to CSRF');
});

test('another site cannot post a login form: a non-JSON body is refused and sets no session cookie (login CSRF)', async () => {
  await using server = await startServer();
  await register(server, 'victim');
  for (const contentType of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
    const res = await send(`${server.url}/api/v1/auth/login`, { raw: { contentType, text: `username=victim&password=${encodeURIComponent(PASSWORD)}` } });
    assert.ok(res.status >= 400 && res.status < 500, `${contentType}: ${res.status}`);
    assert.equal(res.cookies.has('parley_access'), false);
  }
});

test('brute force: the 11th login in the window from one address is refused with 429 and Retry-After, whatever the names', async () => {
  await using server = await startServer({ PARLEY_AUTH_ADDRESS_ATTEMPTS: '10', PARLEY_AUTH_DELAY_MS: '60000' });
  for (let i = 1; i <= 10; i++) assert.equal(codeOf(await auth(server, 'login', { username: `name-${i}`, password: 'guess' }, { from: '127.0.0.20' })), 'INVALID_CREDENTIALS');
  const refused = await auth<Failure>(server, 'login', { username: 'name-11', password: 'guess' }, { from: '127.0.0.20' });
  assert.deepEqual([refused.status, codeOf(refused)], [429, 'RATE_LIMITED']);
  const retryAfterMs = refused.body.error.details?.retryAfterMs as number;
  assert.ok(retryAfterMs > 0 && retryAfterMs <= 15 * 60_000, String(retryAfterMs));
  assert.equal(refused.headers['retry-after'], String(Math.ceil(retryAfterMs / 1000)));
  assert.equal(codeOf(await auth(server, 'login', { username: 'name-12', password: 'guess' }, { from: '127.0.0.21' })), 'INVALID_CREDENTIALS', 'other addresses are not limited');
});

test('brute force: the 11th login for one account name from ten other addresses is refused, even with the right password, and an unknown name is limited alike', async () => {
  await using server = await startServer({ PARLEY_AUTH_ACCOUNT_ATTEMPTS: '10', PARLEY_AUTH_DELAY_MS: '60000' });
  await register(server, 'target');
  for (const username of ['target', 'no-such-user']) {
    const from = (i: number) => `127.0.${username === 'target' ? 1 : 2}.${i}`;
    for (let i = 1; i <= 10; i++) assert.equal(codeOf(await auth(server, 'login', { username: username.toUpperCase(), password: `guess ${i}` }, { from: from(i) })), 'INVALID_CREDENTIALS');
    const refused = await auth(server, 'login', { username, password: PASSWORD }, { from: from(11) });
    assert.deepEqual([refused.status, codeOf(refused)], [429, 'RATE_LIMITED'], username);
    assert.ok(Number(refused.headers['retry-after']) > 0);
  }
  assert.equal((await auth(server, 'login', { username: 'target', password: PASSWORD }, { from: '127.0.0.1' })).status, 429);
});

test('brute force: an attacker guessing from other addresses cannot lock out the owner in a browser that signed in before (device cookie); a browser without it waits', async () => {
  await using server = await startServer({ PARLEY_AUTH_ACCOUNT_ATTEMPTS: '5', PARLEY_AUTH_DELAY_MS: '60000' });
  const registered = await auth(server, 'register', { username: 'owner', password: PASSWORD }, { from: '127.0.4.1' });
  const device = registered.cookies.get('parley_device');
  assert.ok(device !== undefined, 'signing in sets the device cookie');
  assert.match(device.attributes, /HttpOnly/);
  assert.match(device.attributes, /SameSite=Strict/);
  assert.match(device.attributes, /Path=\/api\/v1\/auth/);
  assert.ok(Date.parse(/Expires=([^;]+)/.exec(device.attributes)?.[1] ?? '') > Date.now() + 100 * 86_400_000, 'long-lived');

  // Five guesses spend the account budget; from then on every login without the cookie waits.
  for (let i = 1; i <= 5; i++) assert.equal(codeOf(await auth(server, 'login', { username: 'owner', password: `guess ${i}` }, { from: `127.0.5.${i}` })), 'INVALID_CREDENTIALS');
  for (let i = 6; i <= 8; i++) assert.equal(codeOf(await auth(server, 'login', { username: 'owner', password: PASSWORD }, { from: `127.0.5.${i}` })), 'RATE_LIMITED');
  assert.equal((await auth(server, 'login', { username: 'owner', password: PASSWORD }, { from: '127.0.4.2' })).status, 429, 'the owner in a fresh browser waits too');

  const withCookie = { headers: { cookie: cookieHeader({ parley_device: device.value }) } };
  const owner = await auth(server, 'login', { username: 'owner', password: PASSWORD }, { ...withCookie, from: '127.0.4.2' });
  assert.equal(owner.status, 200, 'the owner with the device cookie signs in');
  assert.ok(owner.cookies.has('parley_device'));
  assert.equal(codeOf(await auth(server, 'login', { username: 'owner', password: 'wrong' }, { ...withCookie, from: '127.0.4.2' })), 'INVALID_CREDENTIALS', 'and is told a wrong password, not RATE_LIMITED');

  await register(server, 'someone-else');
  const forOther = await auth(server, 'login', { username: 'someone-else', password: PASSWORD }, { from: '127.0.4.2' });
  const otherDevice = { headers: { cookie: cookieHeader({ parley_device: forOther.cookies.get('parley_device')?.value ?? '' }) } };
  assert.equal((await auth(server, 'login', { username: 'owner', password: PASSWORD }, { ...otherDevice, from: '127.0.4.3' })).status, 429, 'a device cookie for another account does not help');
  const forged = { headers: { cookie: cookieHeader({ parley_device: device.value.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) }) } };
  assert.equal((await auth(server, 'login', { username: 'owner', password: PASSWORD }, { ...forged, from: '127.0.4.4' })).status, 429, 'nor does a forged one');
});

test('brute force: guesses at one account delay that account from that address only; the same address still signs into another account', async () => {
  await using server = await startServer({ PARLEY_AUTH_ATTEMPTS: '3', PARLEY_AUTH_DELAY_MS: '60000' });
  await register(server, 'target');
  await register(server, 'mine');
  for (let i = 1; i <= 3; i++) assert.equal(codeOf(await auth(server, 'login', { username: 'target', password: `guess ${i}` }, { from: '127.0.6.1' })), 'INVALID_CREDENTIALS');
  const refused = await auth<Failure>(server, 'login', { username: 'target', password: PASSWORD }, { from: '127.0.6.1' });
  assert.deepEqual([refused.status, codeOf(refused)], [429, 'RATE_LIMITED']);
  assert.equal(refused.headers['retry-after'], '60');
  assert.equal((await auth(server, 'login', { username: 'mine', password: PASSWORD }, { from: '127.0.6.1' })).status, 200);
  assert.equal((await auth(server, 'login', { username: 'target', password: PASSWORD }, { from: '127.0.6.2' })).status, 200);
});

test('brute force: past the budget the delays grow: each wait is longer than the one before', async () => {
  await using server = await startServer({ PARLEY_AUTH_ATTEMPTS: '2', PARLEY_AUTH_DELAY_MS: '200' });
  const guess = () => auth<Failure>(server, 'login', { username: 'slowly', password: 'guess' }, { from: '127.0.7.1' });
  for (let i = 1; i <= 2; i++) assert.equal(codeOf(await guess()), 'INVALID_CREDENTIALS');
  const waits: number[] = [];
  for (let round = 0; round < 3; round++) {
    const refused = await guess();
    assert.equal(codeOf(refused), 'RATE_LIMITED', `round ${round}`);
    const wait = refused.body.error.details?.retryAfterMs as number;
    waits.push(wait);
    // Wait out exactly the delay the server named (the event), then the next guess is heard.
    await new Promise((resolve) => setTimeout(resolve, wait + 5));
    assert.equal(codeOf(await guess()), 'INVALID_CREDENTIALS', `round ${round}: after ${wait} ms`);
  }
  assert.ok(waits[0] !== undefined && waits[0] <= 200, String(waits));
  for (let i = 1; i < waits.length; i++) assert.ok((waits[i] as number) > 2 * (waits[i - 1] as number), `delays grow: ${waits.join(', ')} ms`);
});

test('behind a trusted proxy (PARLEY_TRUST_PROXY) the per-address limit follows X-Forwarded-For; from other addresses the header is ignored', async () => {
  await using server = await startServer({ PARLEY_TRUST_PROXY: '127.0.0.40', PARLEY_AUTH_ADDRESS_ATTEMPTS: '10', PARLEY_AUTH_DELAY_MS: '60000' });
  const viaProxy = (client: string, i: number) => auth(server, 'login', { username: `proxied-${client}-${i}`, password: 'guess' }, { from: '127.0.0.40', headers: { 'x-forwarded-for': client } });
  for (let i = 1; i <= 10; i++) assert.equal(codeOf(await viaProxy('203.0.113.7', i)), 'INVALID_CREDENTIALS');
  assert.equal(codeOf(await viaProxy('203.0.113.7', 11)), 'RATE_LIMITED');
  assert.equal(codeOf(await viaProxy('198.51.100.9', 1)), 'INVALID_CREDENTIALS', 'another client behind the same proxy is not limited');

  const spoofed = (i: number) => auth(server, 'login', { username: `spoof-${i}`, password: 'guess' }, { from: '127.0.0.41', headers: { 'x-forwarded-for': `192.0.2.${i}` } });
  for (let i = 1; i <= 10; i++) assert.equal(codeOf(await spoofed(i)), 'INVALID_CREDENTIALS');
  assert.equal(codeOf(await spoofed(11)), 'RATE_LIMITED', 'an untrusted sender cannot pick its address');
});

test('brute force: the 11th registration in the window from one address is refused with 429', async () => {
  await using server = await startServer({ PARLEY_AUTH_ADDRESS_ATTEMPTS: '10', PARLEY_AUTH_DELAY_MS: '60000' });
  for (let i = 1; i <= 10; i++) assert.equal((await auth(server, 'register', { username: `new-${i}`, password: PASSWORD }, { from: '127.0.0.30' })).status, 201);
  const refused = await auth(server, 'register', { username: 'new-11', password: PASSWORD }, { from: '127.0.0.30' });
  assert.deepEqual([refused.status, codeOf(refused)], [429, 'RATE_LIMITED']);
  assert.ok(Number(refused.headers['retry-after']) > 0);
});

test('expired, forged and other-kind tokens are refused on HTTP and at the WebSocket upgrade', async () => {
  const secret = randomBytes(32).toString('base64url');
  await using server = await startServer({ PARLEY_SESSION_SECRET: secret });
  const { account } = (await register(server, 'expiring')).body;
  const claims = { name: account.name, role: 'admin' };
  const expired = await new Tokens(secret, () => Date.now() - 3_600_000).sign('access', account.id, claims, 60_000);
  const forged = await new Tokens(randomBytes(32).toString('base64url')).sign('access', account.id, claims, 60_000);
  const invite = await new Tokens(secret).sign('invite', account.id, claims, 60_000);
  const valid = await new Tokens(secret).sign('access', account.id, { name: account.name, role: 'user' }, 60_000);
  for (const [label, token] of [['expired', expired.token], ['forged', forged.token], ['invite', invite.token]] as const) {
    assert.equal((await send(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status, 401, label);
    assert.equal((await send(`${server.url}/api/v1/session`, { headers: { cookie: cookieHeader({ parley_access: token }) } })).status, 401, label);
    assert.equal(await upgradeStatus(server.wsUrl, { cookie: cookieHeader({ parley_access: token }) }), 401, label);
    assert.equal((await send(`${server.url}/api/v1/admin/rooms`, { headers: { authorization: `Bearer ${token}` } })).status, 401, `${label}: the admin claim is not believed`);
  }
  assert.equal((await send(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${valid.token}` } })).status, 200, 'the same secret and kind, live, is accepted');
});

test('an account joins a room with its code as itself, with the access token as cookie, bearer, ?token= or auth frame on the WebSocket', async () => {
  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ name: 'Club' });
  const { accessToken, account } = (await register(server, 'member', 'Member One')).body;
  const cookie = cookieHeader({ parley_access: accessToken, parley_csrf: CSRF });
  const joined = await send<{ user: { id: string; name: string }; token?: string }>(`${server.url}/api/v1/join`, { json: { roomId: room.id, code: joinCode }, headers: { cookie, 'x-csrf-token': CSRF } });
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
  assert.deepEqual(joined.body.user, { id: account.id, name: 'Member One' });
  assert.equal(joined.body.token, undefined, 'no join session is made for an account');
  const session = await send<{ user: { id: string }; rooms: Array<{ id: string }> }>(`${server.url}/api/v1/session`, { headers: { cookie } });
  assert.deepEqual([session.body.user.id, session.body.rooms.map((r) => r.id)], [account.id, [room.id]]);

  const clients = [
    await RawClient.connect(server.wsUrl, undefined, { cookie }),
    await RawClient.connect(server.wsUrl, undefined, { authorization: `Bearer ${accessToken}` }),
    await RawClient.connect(server.wsUrl, accessToken),
  ];
  const framed = new WebSocket(server.wsUrl);
  await new Promise((resolve) => framed.once('open', resolve));
  const welcome = new Promise<{ type: string; user: { id: string } }>((resolve) => framed.once('message', (data) => resolve(JSON.parse(data.toString()))));
  framed.send(JSON.stringify({ type: 'auth', token: accessToken }));
  const first = await welcome;
  assert.deepEqual([first.type, first.user.id], ['welcome', account.id], 'an auth frame with the access token lets the socket in');
  framed.close();
  for (const [i, client] of clients.entries()) {
    await client.request({ type: 'join', roomId: room.id });
    const reply = await client.request({ type: 'send', id: `c${i}`, roomId: room.id, body: `hello ${i}` });
    assert.equal(reply.error, undefined, JSON.stringify(reply));
  }
  const page = await send<{ events: Array<{ type: string; senderId: string; senderName: string; body?: string }> }>(`${server.url}/api/v1/rooms/${room.id}/messages`, { headers: { authorization: `Bearer ${accessToken}` } });
  const messages = page.body.events.filter((e) => e.type === 'message');
  assert.deepEqual(messages.map((m) => [m.senderId, m.senderName, m.body]), [0, 1, 2].map((i) => [account.id, 'Member One', `hello ${i}`]));
  for (const client of clients) await client.close();
});

test('signing in clears a join session cookie, so the browser acts as the account from then on', async () => {
  await using server = await startServer();
  const res = await register(server, 'switcher');
  assert.match(res.cookies.get('parley_session')?.attributes ?? '', /Expires=Thu, 01 Jan 1970/);
  const login = await auth(server, 'login', { username: 'switcher', password: PASSWORD });
  assert.match(login.cookies.get('parley_session')?.attributes ?? '', /Expires=Thu, 01 Jan 1970/);
});

test('a non-admin account is refused by the admin API with 403 FORBIDDEN', async () => {
  await using server = await startServer();
  const { accessToken } = (await register(server, 'plain')).body;
  const res = await send(`${server.url}/api/v1/admin/rooms`, { headers: { authorization: `Bearer ${accessToken}` } });
  assert.deepEqual([res.status, codeOf(res)], [403, 'FORBIDDEN']);
});

test('the account routes and bodies are in the OpenAPI document', async () => {
  await using server = await startServer();
  const doc = (await send<{ paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } }>(`${server.url}/openapi.json`)).body;
  for (const path of ['/api/v1/auth/register', '/api/v1/auth/login', '/api/v1/auth/refresh', '/api/v1/auth/logout', '/api/v1/auth/me']) assert.ok(path in doc.paths, path);
  for (const schema of ['RegisterRequest', 'LoginRequest', 'AuthResponse', 'MeResponse']) assert.ok(schema in doc.components.schemas, schema);
});
