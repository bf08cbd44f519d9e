// @ts-check
/**
 * ESLint flat config: typescript-eslint's recommended rules, and the import boundaries of STYLE C1
 * as per-folder `no-restricted-imports`, so that the layering in DESIGN.md cannot decay:
 *
 * - src/protocol imports nothing but zod and its own files;
 * - src/core imports only src/core, src/protocol and `node:` builtins;
 * - src/engines/<port> imports only its own folder, src/core/ports, src/core/principal.ts,
 *   src/protocol, the shared src/engines/redis-client.ts, and libraries;
 * - src/transports and src/auth never import src/engines;
 * - client/src imports src/protocol and nothing else from src/ (nor web/);
 * - the HTTP route plugins never import src/transports/http/app.ts, which registers them.
 *
 * Imports are relative (`../protocol/index.ts`), so each rule is expanded per directory into regexes
 * over the specifier: what `../` × k may reach depends on how deep the importing file is.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

const ROOT = import.meta.dirname;
const SOURCE_FILES = '*.{ts,tsx,mts,cts,js,mjs,cjs}';
/** A `.` or `..` segment after a named one (`../core/ports/../chat.ts`) would hide where an import lands. */
const NOT_NORMALISED = '(^|/)(?!\\.\\.?/)[^/]+/\\.\\.?(/|$)';

/**
 * @typedef {object} Boundary
 * @property {string} dir folder the rule covers, with its subfolders (repo-relative, posix)
 * @property {string[]} [allow] the only repo paths (folders or files) it may import from
 * @property {{ path: string, except?: string[] }[]} [deny] repo folders it must not import from
 * @property {RegExp} [packages] bare specifiers it may import; omitted = any library
 * @property {string} message why, shown with each violation
 */

/** @type {Boundary[]} */
const BOUNDARIES = [
  {
    dir: 'src/protocol',
    allow: ['src/protocol'],
    packages: /^zod(\/|$)/,
    message: 'src/protocol is the wire contract shared with the SDK: it imports nothing but zod and its own files (STYLE C1, C5).',
  },
  {
    dir: 'src/core',
    allow: ['src/core', 'src/protocol'],
    packages: /^node:/,
    message: 'src/core imports only src/core, src/protocol and node: builtins; engines reach it through src/core/ports (STYLE C1).',
  },
  ...listDirs('src/engines').map((port) => ({
    dir: `src/engines/${port}`,
    allow: [`src/engines/${port}`, 'src/core/ports', 'src/core/principal.ts', 'src/protocol', 'src/engines/redis-client.ts'],
    message: `src/engines/${port} implements its port: it imports only its own folder, src/core/ports, src/core/principal.ts, src/protocol, the shared redis client and libraries (STYLE C1).`,
  })),
  {
    dir: 'src/transports',
    deny: [{ path: 'src/engines' }],
    message: 'Transports talk to the core, never to engines; src/server.ts wires engines in (STYLE C1).',
  },
  {
    dir: 'src/auth',
    deny: [{ path: 'src/engines' }],
    message: 'Authenticators use core ports, never engines; src/server.ts wires engines in (STYLE C1).',
  },
  {
    dir: 'client/src',
    deny: [{ path: 'src', except: ['protocol'] }, { path: 'web' }],
    message: 'The SDK shares only src/protocol with the server (STYLE C1, C12).',
  },
];

export default defineConfig(
  globalIgnores(['node_modules/', 'dist/', 'client/dist/', 'data/', 'coverage/']),
  tseslint.configs.recommended,
  BOUNDARIES.flatMap(boundaryConfigs),
  {
    // app.ts registers the route plugins: a plugin importing it back is an import cycle. What they
    // share lives in deps.ts, request-principal.ts and content-security-policy.ts.
    name: 'parley/http-plugins-do-not-import-app',
    files: [`src/transports/http/**/${SOURCE_FILES}`],
    ignores: ['src/transports/http/app.ts'],
    rules: { 'no-restricted-syntax': ['error', { selector: 'ImportDeclaration[source.value=/(^|\\/)app\\.ts$/]', message: 'Route plugins must not import app.ts (it imports them); share through deps.ts or a small module of its own.' }] },
  },
);

/**
 * One config object per directory under `boundary.dir`: the same target is `./x`, `../x` or
 * `../../x` depending on the depth of the importing file.
 * @param {Boundary} boundary
 * @returns {import('eslint').Linter.Config[]}
 */
function boundaryConfigs(boundary) {
  return [boundary.dir, ...walkDirs(boundary.dir)].map((dir) => {
    /** @type {{ regex: string, message: string }[]} */
    const patterns = [];
    for (let up = 0; up <= dir.split('/').length; up++) {
      const regex = boundary.allow ? allowRegex(dir, up, boundary.allow) : denyRegex(dir, up, boundary.deny ?? []);
      if (regex !== undefined) patterns.push({ regex, message: boundary.message });
    }
    patterns.push({ regex: NOT_NORMALISED, message: 'Write the path without `./` or `../` after its start, so that the import boundaries can read it (STYLE C1).' });
    if (boundary.packages) patterns.push({ regex: `^(?![./])(?!${boundary.packages.source.replace(/^\^/, '')})`, message: boundary.message });
    return { name: `parley/boundaries/${dir}`, files: [`${dir}/${SOURCE_FILES}`], rules: { 'no-restricted-imports': ['error', { patterns }] } };
  });
}

/**
 * The specifiers climbing exactly `up` levels from `dir` that land outside every allowed path, or
 * undefined when everything reachable that way is allowed.
 * @param {string} dir @param {number} up @param {string[]} allow
 */
function allowRegex(dir, up, allow) {
  const base = climb(dir, up);
  const prefixes = [];
  for (const target of allow) {
    const isFile = /\.[a-z]+$/.test(target);
    if (!isFile && (base === target || base.startsWith(`${target}/`))) return undefined;
    if (base === '' || target.startsWith(`${base}/`)) prefixes.push(escape(posix.relative(base || '.', target)) + (isFile ? '$' : '(/|$)'));
  }
  return `${specifierPrefix(up)}(?!${prefixes.join('|') || '$^'})`;
}

/**
 * The specifiers climbing exactly `up` levels from `dir` that land inside a denied folder (outside
 * its exceptions), or undefined when none can.
 * @param {string} dir @param {number} up @param {{ path: string, except?: string[] }[]} deny
 */
function denyRegex(dir, up, deny) {
  const base = climb(dir, up);
  const alternatives = [];
  for (const { path, except = [] } of deny) {
    if (base === path || base.startsWith(`${path}/`)) throw new Error(`eslint.config.js: ${dir} lies inside the folder it may not import (${path})`);
    if (base !== '' && !path.startsWith(`${base}/`)) continue;
    const rel = escape(posix.relative(base || '.', path));
    const allowed = except.map((e) => `${escape(e)}(/|$)`).join('|');
    alternatives.push(allowed ? `${rel}(/(?!${allowed})|$)` : `${rel}(/|$)`);
  }
  return alternatives.length === 0 ? undefined : `${specifierPrefix(up)}(${alternatives.join('|')})`;
}

/** `./` for up = 0, else exactly `up` × `../` (not followed by another). @param {number} up */
function specifierPrefix(up) {
  return up === 0 ? '^\\./(?!\\.\\./)' : `^(\\.\\./){${up}}(?!\\.\\./)`;
}

/** @param {string} dir @param {number} up */
function climb(dir, up) {
  return dir.split('/').slice(0, dir.split('/').length - up).join('/');
}

/** @param {string} text */
function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Immediate subfolder names of a repo folder ([] when it does not exist). @param {string} dir */
function listDirs(dir) {
  const abs = join(ROOT, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

/** Every folder below a repo folder, as repo-relative paths. @param {string} dir @returns {string[]} */
function walkDirs(dir) {
  return listDirs(dir).flatMap((name) => [`${dir}/${name}`, ...walkDirs(`${dir}/${name}`)]);
}
