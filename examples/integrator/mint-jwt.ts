/**
 * What an integrator's backend does to let one of its users into Parley: sign a short-lived JWT
 * for that user (see docs/integrator-tokens.md). Prints the token on stdout.
 *
 * Shared secret (HS256; Parley has the same PARLEY_JWT_SECRET and PARLEY_JWT_ISSUER):
 *   PARLEY_JWT_SECRET=… PARLEY_JWT_ISSUER=https://backend.example.com \
 *     node --import tsx examples/integrator/mint-jwt.ts --sub u-42 --name Grace --room support --role member
 *
 * Key pair (RS256, ES256 or EdDSA; Parley fetches the public keys from PARLEY_JWT_JWKS_URL):
 *   node --import tsx examples/integrator/mint-jwt.ts --generate-key EdDSA --out ./keys
 *     → keys/private.jwk.json (keep it secret) and keys/jwks.json (publish it at PARLEY_JWT_JWKS_URL)
 *   node --import tsx examples/integrator/mint-jwt.ts --key ./keys/private.jwk.json \
 *     --issuer https://backend.example.com --sub u-42 --room support
 *
 * Options: --sub (required), --name, --room (repeat for several rooms), --role
 * owner|moderator|member|guest, --admin, --ttl seconds (default 900), --issuer (default
 * $PARLEY_JWT_ISSUER), --audience (default $PARLEY_JWT_AUDIENCE or `parley`).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    name: { type: 'string' },
    room: { type: 'string', multiple: true, default: [] },
    role: { type: 'string' },
    admin: { type: 'boolean', default: false },
    ttl: { type: 'string', default: '900' },
    issuer: { type: 'string', default: process.env.PARLEY_JWT_ISSUER },
    audience: { type: 'string', default: process.env.PARLEY_JWT_AUDIENCE ?? 'parley' },
    key: { type: 'string' },
    'generate-key': { type: 'string' },
    out: { type: 'string', default: '.' },
  },
});

function fail(message: string): never {
  console.error(`mint-jwt: ${message}`);
  process.exit(1);
}

if (values['generate-key'] !== undefined) {
  const alg = values['generate-key'];
  if (!['RS256', 'ES256', 'EdDSA'].includes(alg)) fail('--generate-key takes RS256, ES256 or EdDSA');
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `${alg.toLowerCase()}-${new Date().toISOString().slice(0, 10)}`;
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, 'private.jwk.json'), `${JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg }, null, 2)}\n`, { mode: 0o600 });
  writeFileSync(join(values.out, 'jwks.json'), `${JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }] }, null, 2)}\n`);
  console.error(`wrote ${join(values.out, 'private.jwk.json')} (secret) and ${join(values.out, 'jwks.json')} (publish it)`);
  process.exit(0);
}

if (values.sub === undefined) fail('--sub is required: your user id');
if (values.issuer === undefined) fail('--issuer (or PARLEY_JWT_ISSUER) is required: the iss Parley is configured with');
const ttlS = Number(values.ttl);
if (!Number.isInteger(ttlS) || ttlS <= 0) fail('--ttl is a whole number of seconds');

const claims = {
  ...(values.name === undefined ? {} : { name: values.name }),
  ...(values.room.length === 0 ? {} : { rooms: values.room }),
  ...(values.role === undefined ? {} : { role: values.role }),
  ...(values.admin ? { admin: true } : {}),
};
const jwt = new SignJWT(claims).setIssuer(values.issuer).setAudience(values.audience).setSubject(values.sub).setIssuedAt().setExpirationTime(`${ttlS}s`);

if (values.key !== undefined) {
  const jwk = JSON.parse(readFileSync(values.key, 'utf8')) as JWK & { kid: string; alg: string };
  console.log(await jwt.setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: 'JWT' }).sign(await importJWK(jwk, jwk.alg)));
} else {
  const secret = process.env.PARLEY_JWT_SECRET;
  if (secret === undefined || secret.length < 32) fail('set PARLEY_JWT_SECRET (at least 32 characters), or pass --key for a key pair');
  console.log(await jwt.setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret)));
}
