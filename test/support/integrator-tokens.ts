/**
 * An integrator's side of integrator JWTs, for tests: mint tokens with a shared secret or a key
 * pair (real jose signatures), hand-craft the forged kinds a verifier must refuse, and serve a JSON
 * Web Key Set from a real local HTTP server (port 0) that counts its fetches and can be made to fail.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** The issuer and audience test servers are configured with. */
export const ISSUER = 'https://backend.acme.test';
export const AUDIENCE = 'parley';
/** A shared secret of the configured strength. */
export const SECRET = 'acme-integrator-shared-hs256-key-0123456789abcdef';

/** Registered-claim options of {@link mint}; times in seconds relative to now (`nowMs`). */
export interface MintOptions {
  readonly alg?: string;
  readonly kid?: string;
  readonly issuer?: string | null;
  readonly audience?: string | null;
  /** Seconds from now to `exp`; null: no `exp`. @default 300 */
  readonly expiresInS?: number | null;
  /** Seconds from now to `nbf`. */
  readonly notBeforeInS?: number;
  /** Clock in Unix ms. @default Date.now() */
  readonly nowMs?: number;
}

/** Sign `claims` (sub, name, rooms, role, admin…) with `key` (a secret string or a private key). */
export async function mint(key: string | CryptoKey, claims: JWTPayload, options: MintOptions = {}): Promise<string> {
  const nowS = Math.floor((options.nowMs ?? Date.now()) / 1000);
  const alg = options.alg ?? (typeof key === 'string' ? 'HS256' : 'RS256');
  const jwt = new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT', ...(options.kid === undefined ? {} : { kid: options.kid }) }).setIssuedAt(nowS);
  if (options.issuer !== null) jwt.setIssuer(options.issuer ?? ISSUER);
  if (options.audience !== null) jwt.setAudience(options.audience ?? AUDIENCE);
  if (options.expiresInS !== null) jwt.setExpirationTime(nowS + (options.expiresInS ?? 300));
  if (options.notBeforeInS !== undefined) jwt.setNotBefore(nowS + options.notBeforeInS);
  return jwt.sign(typeof key === 'string' ? new TextEncoder().encode(key) : key);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsecured JWT (`alg: none`, empty signature), crafted by hand as an attacker would. */
export function unsecured(payload: JWTPayload): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
}

/** An HS256 token whose HMAC key is `keyBytes` (e.g. a public key's PEM: algorithm confusion), crafted by hand. */
export function hmacSigned(keyBytes: string, payload: JWTPayload, kid?: string): string {
  const input = `${b64({ alg: 'HS256', typ: 'JWT', ...(kid === undefined ? {} : { kid }) })}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', keyBytes).update(input).digest('base64url')}`;
}

/** A token with one character of its signature changed. */
export function tamperSignature(token: string): string {
  const [header, payload, signature = ''] = token.split('.');
  const flipped = (signature[10] === 'A' ? 'B' : 'A');
  return `${header}.${payload}.${signature.slice(0, 10)}${flipped}${signature.slice(11)}`;
}

/** A token whose payload was replaced (e.g. another `sub`) under the original signature. */
export function tamperPayload(token: string, payload: JWTPayload): string {
  const [header, , signature] = token.split('.');
  return `${header}.${b64(payload)}.${signature}`;
}

/** The registered claims of a valid token, for hand-crafted ones: `iss`, `aud`, `exp` in 5 minutes. */
export function registered(nowMs = Date.now()): JWTPayload {
  return { iss: ISSUER, aud: AUDIENCE, exp: Math.floor(nowMs / 1000) + 300 };
}

/** A generated key pair with its public JWK (carrying `kid` and `alg`) and public PEM. */
export interface TestKey {
  readonly alg: 'RS256' | 'ES256' | 'EdDSA';
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
  readonly publicPem: string;
}

/** Generate a key pair for `alg` with jose's generateKeyPair. */
export async function testKey(alg: TestKey['alg'], kid: string = `${alg.toLowerCase()}-1`): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }, publicPem: await exportSPKI(publicKey) };
}

/** A local HTTP server answering `GET /jwks.json` with a key set. */
export interface JwksServer extends AsyncDisposable {
  /** `http://127.0.0.1:PORT/jwks.json`. */
  readonly url: string;
  /** Requests served so far. */
  readonly fetches: number;
  /** Answer 500 from now on (true) or the key set again (false). */
  fail(failing: boolean): void;
  close(): Promise<void>;
}

/** Serve a key set of the public JWKs of `keys` (test keys, or JWKs as they are) on 127.0.0.1 and a free port. */
export async function serveJwks(keys: ReadonlyArray<TestKey | JWK>): Promise<JwksServer> {
  let fetches = 0;
  let failing = false;
  const server: Server = createServer((request, response) => {
    fetches++;
    if (failing || request.url !== '/jwks.json') {
      response.writeHead(failing ? 500 : 404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: keys.map((k) => ('privateKey' in k ? k.jwk : k)) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
    get fetches() {
      return fetches;
    },
    fail(value) {
      failing = value;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
