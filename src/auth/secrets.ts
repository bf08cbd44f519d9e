/**
 * Secrets: taken from configuration, or — in development and test only — generated once and kept
 * in `DATA_DIR/secrets.json` (mode 0600) so restarts keep them. In production a missing or weak
 * secret stops the start with a message naming it (DESIGN.md; issue: main job).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The resolved secrets. Never log them. */
export interface Secrets {
  readonly adminToken: string;
}

/** Thrown when production configuration lacks a strong secret. */
export class WeakSecretError extends Error {
  override readonly name = 'WeakSecretError';
}

const MIN_LENGTH = 32;
const KNOWN_WEAK = ['changeme', 'change-me', 'secret', 'password', 'admin', 'parley', 'test'];

/** Why a secret is weak, or undefined when it is acceptable. */
function weakness(value: string): string | undefined {
  if (value.length < MIN_LENGTH) return `shorter than ${MIN_LENGTH} characters`;
  if (KNOWN_WEAK.some((w) => value.toLowerCase().includes(w))) return 'contains a well-known placeholder word';
  if (new Set(value).size < 8) return 'too few distinct characters';
  return undefined;
}

/**
 * Resolve secrets for `env`. `notice` receives human messages to log (never the secret values).
 * @throws WeakSecretError in production when a secret is missing or weak, naming the variable.
 */
export function loadSecrets(
  options: { env: 'development' | 'production' | 'test'; dataDir: string; adminToken: string | undefined },
  notice: (message: string) => void,
): Secrets {
  const { env, dataDir, adminToken } = options;
  if (adminToken !== undefined) {
    const problem = weakness(adminToken);
    if (problem !== undefined) {
      if (env === 'production') throw new WeakSecretError(`PARLEY_ADMIN_TOKEN is weak (${problem}); set a random value of at least ${MIN_LENGTH} characters`);
      notice(`PARLEY_ADMIN_TOKEN is weak (${problem}); this is refused when NODE_ENV=production`);
    }
    return { adminToken };
  }
  if (env === 'production') throw new WeakSecretError('PARLEY_ADMIN_TOKEN is missing; set a random value of at least 32 characters (e.g. `openssl rand -base64 32`)');
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<Secrets>;
    if (typeof stored.adminToken === 'string') {
      notice(`using the development PARLEY_ADMIN_TOKEN generated earlier in ${file}`);
      return { adminToken: stored.adminToken };
    }
  }
  const generated: Secrets = { adminToken: randomBytes(32).toString('base64url') };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(generated, null, 2)}\n`, { mode: 0o600 });
  notice(`generated a development PARLEY_ADMIN_TOKEN and stored it in ${file}; set PARLEY_ADMIN_TOKEN in production`);
  return generated;
}
