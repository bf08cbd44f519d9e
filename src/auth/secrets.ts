/**
 * Secrets: taken from configuration, or — in development and test only — generated once and kept
 * in `DATA_DIR/secrets.json` (mode 0600) so restarts keep them. In production a missing or weak
 * secret stops the start with a message naming it (DESIGN.md; issue: main job, identity).
 *
 * - `PARLEY_ADMIN_TOKEN`: the admin credential;
 * - `PARLEY_SESSION_SECRET`: signs Parley's own tokens (account access tokens, embed sessions,
 *   invites); every node of a deployment needs the same one;
 * - optional secrets shared with integrators (`PARLEY_JWT_SECRET`, each embed integrator's
 *   secret) are never generated, are refused when weak in production too, and are refused
 *   everywhere when equal to the admin token or the session secret.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StaticToken } from './static-token.ts';

/** The resolved secrets. Never log them. */
export interface Secrets {
  readonly adminToken: string;
  readonly sessionSecret: string;
}

/** Thrown when production configuration lacks a strong secret. */
export class WeakSecretError extends Error {
  override readonly name = 'WeakSecretError';
}

const MIN_LENGTH = 32;
const KNOWN_WEAK = ['changeme', 'change-me', 'secret', 'password', 'admin', 'parley', 'test'];

/** The generated secrets, by the variable they stand in for. */
type Mutable = { -readonly [K in keyof Secrets]?: string };

const GENERATED = { adminToken: 'PARLEY_ADMIN_TOKEN', sessionSecret: 'PARLEY_SESSION_SECRET' } as const satisfies Record<keyof Secrets, string>;

/** Why a secret is weak, or undefined when it is acceptable. */
function weakness(value: string): string | undefined {
  if (value.length < MIN_LENGTH) return `shorter than ${MIN_LENGTH} characters`;
  if (KNOWN_WEAK.some((w) => value.toLowerCase().includes(w))) return 'contains a well-known placeholder word';
  if (new Set(value).size < 8) return 'too few distinct characters';
  return undefined;
}

/** What `loadSecrets` reads: the environment, and the configured values (undefined when unset). */
export interface SecretSources {
  readonly env: 'development' | 'production' | 'test';
  readonly dataDir: string;
  readonly adminToken: string | undefined;
  readonly sessionSecret?: string | undefined;
  /** Secrets shared with integrators, by the name to report: checked, never generated. */
  readonly shared?: Readonly<Record<string, string | undefined>>;
}

/**
 * Resolve secrets for `env`. `notice` receives human messages to log (never the secret values).
 * @throws WeakSecretError in production when a secret is missing or weak, naming the variable.
 */
export function loadSecrets(sources: SecretSources, notice: (message: string) => void): Secrets {
  const production = sources.env === 'production';
  const check = (name: string, value: string) => {
    const problem = weakness(value);
    if (problem === undefined) return;
    if (production) throw new WeakSecretError(`${name} is weak (${problem}); set a random value of at least ${MIN_LENGTH} characters`);
    notice(`${name} is weak (${problem}); this is refused when NODE_ENV=production`);
  };
  for (const [name, value] of Object.entries(sources.shared ?? {})) if (value !== undefined) check(name, value);
  const configured: Mutable = {};
  if (sources.adminToken !== undefined) configured.adminToken = sources.adminToken;
  if (sources.sessionSecret !== undefined) configured.sessionSecret = sources.sessionSecret;
  for (const key of Object.keys(GENERATED) as Array<keyof Secrets>) {
    const value = configured[key];
    if (value !== undefined) check(GENERATED[key], value);
    else if (production) throw new WeakSecretError(`${GENERATED[key]} is missing; set a random value of at least ${MIN_LENGTH} characters (e.g. \`openssl rand -base64 32\`)`);
  }
  if (configured.adminToken !== undefined && configured.sessionSecret !== undefined) return distinctFromShared(configured as Secrets, sources.shared);

  const file = join(sources.dataDir, 'secrets.json');
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<Secrets>) : {};
  const resolved: Mutable = {};
  const generated: Mutable = {};
  for (const key of Object.keys(GENERATED) as Array<keyof Secrets>) {
    if (configured[key] !== undefined) {
      resolved[key] = configured[key];
    } else if (typeof stored[key] === 'string') {
      resolved[key] = stored[key];
      notice(`using the development ${GENERATED[key]} generated earlier in ${file}`);
    } else {
      resolved[key] = generated[key] = randomBytes(32).toString('base64url');
      notice(`generated a development ${GENERATED[key]} and stored it in ${file}; set ${GENERATED[key]} in production`);
    }
  }
  if (Object.keys(generated).length > 0) {
    mkdirSync(sources.dataDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify({ ...stored, ...generated }, null, 2)}\n`, { mode: 0o600 });
  }
  return distinctFromShared(resolved as Secrets, sources.shared);
}

/**
 * A secret shared with an integrator must be neither Parley's admin token nor its session secret:
 * whoever holds it (the integrator) could otherwise act as admin or sign Parley's own tokens
 * (account access tokens for any user). Compared in constant time.
 * @throws WeakSecretError naming the shared secret, in every environment.
 */
function distinctFromShared(secrets: Secrets, shared: SecretSources['shared']): Secrets {
  const own = [new StaticToken(secrets.adminToken), new StaticToken(secrets.sessionSecret)];
  for (const [name, value] of Object.entries(shared ?? {})) {
    if (own.some((token) => token.verify(value))) throw new WeakSecretError(`${name} must differ from PARLEY_ADMIN_TOKEN and PARLEY_SESSION_SECRET: whoever holds it could act as admin or sign Parley's own tokens`);
  }
  return secrets;
}
