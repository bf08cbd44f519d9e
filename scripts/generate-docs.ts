/**
 * Generates the reference docs from the code they describe, so they cannot drift (STYLE C5, C7, C9):
 * - `docs/errors.md` from the error catalog and the WebSocket close codes;
 * - `docs/configuration.md` from `SETTINGS` in `src/config.ts`;
 * - `docs/protocol.md` from `docs/protocol.template.md` (hand-written prose) and the frame schemas.
 *
 * Usage: `npm run docs` writes the files; `npm run docs -- --check` writes nothing and exits 1
 * listing every file that differs from what would be generated. `test/docs.test.ts` runs the check.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { SETTINGS, TEST_SETTINGS } from '../src/config.ts';
import {
  CLIENT_FRAMES,
  SERVER_FRAMES,
  CLOSE_CODES,
  CLOSE_CODE_CATALOG,
  CLOSE_CODE_LIST,
  ERROR_CATALOG,
  ERROR_CODES,
  PROTOCOL_VERSION,
  COMMAND_RESULTS,
  EmbedTicket,
  type ClientFrameType,
} from '../src/protocol/index.ts';
import { renderFields, renderType, slug, table, type JsonSchema, type RenderOptions } from './docs/json-schema-table.ts';

const TEMPLATE = 'docs/protocol.template.md';

/** The error-code enum links to the generated catalog instead of listing every code in each table. */
const RENDER: RenderOptions = {
  enumName: (values) => (values.length === ERROR_CODES.length && ERROR_CODES.every((c) => values.includes(c)) ? '[`ErrorCode`](#error-codes)' : undefined),
};

/** Render every generated doc from the code and the template under `root`: repo-relative path → content. */
export async function renderDocs(root: string): Promise<Map<string, string>> {
  const template = await readFile(join(root, TEMPLATE), 'utf8');
  return new Map([
    ['docs/errors.md', renderErrorsDoc()],
    ['docs/configuration.md', renderConfigurationDoc()],
    ['docs/protocol.md', renderProtocolDoc(template)],
  ]);
}

/** Repo-relative paths of generated docs under `root` that are missing or differ from what would be generated. */
export async function checkDocs(root: string): Promise<string[]> {
  return staleDocs(root, await renderDocs(root));
}

/** Write every generated doc under `root` whose content changed; returns the paths written. */
export async function writeDocs(root: string): Promise<string[]> {
  const docs = await renderDocs(root);
  const stale = await staleDocs(root, docs);
  for (const path of stale) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), docs.get(path) ?? '');
  }
  return stale;
}

async function staleDocs(root: string, docs: Map<string, string>): Promise<string[]> {
  const stale: string[] = [];
  for (const [path, content] of docs) {
    const current = await readFile(join(root, path), 'utf8').catch(() => undefined);
    if (current !== content) stale.push(path);
  }
  return stale;
}

// ---- docs/errors.md ----

function renderErrorsDoc(): string {
  return [
    '# Errors',
    '',
    generatedNote('src/protocol/errors.ts and src/protocol/close-codes.ts'),
    '',
    'Every error Parley returns has the same shape in HTTP bodies (`{ "error": … }`) and in WebSocket',
    '`reply` and `error` frames: `{ code, message, retryable, details? }`. Clients switch on `code`,',
    'never on `message`. `retryable` is true when the same request may succeed later unchanged; for a',
    '`send`, retry with the same id (the clientId) so that it cannot be stored twice.',
    '',
    '## Error codes',
    '',
    errorCodeTable(),
    '',
    '## WebSocket close codes',
    '',
    closeCodeIntro(),
    '',
    closeCodeTable(),
    '',
  ].join('\n');
}

function errorCodeTable(): string {
  const rows = ERROR_CODES.map((code) => {
    const spec = ERROR_CATALOG[code];
    return [`\`${code}\``, `${spec.status} ${STATUS_CODES[spec.status] ?? ''}`.trim(), spec.retryable ? 'yes' : 'no', spec.meaning];
  });
  return table(['Code', 'HTTP status', 'Retryable', 'Meaning'], rows);
}

function closeCodeIntro(): string {
  const terminal = CLOSE_CODE_LIST.filter((code) => code < 4000 && !CLOSE_CODE_CATALOG[code].reconnect).join(', ');
  return [
    'The close code tells the client whether to reconnect (`shouldReconnect` in',
    `\`src/protocol/close-codes.ts\`, which the SDK applies). Terminal codes (${terminal}, and 1003, 1008,`,
    '1010 and 4000–4499, which are 4000 + the HTTP status) need new input first: new credentials or a fixed client.',
    'Every other code, including 1006 (connection lost without a close frame) and codes not listed',
    'here, is retried with exponential backoff and jitter, then the client resumes each room by seq.',
  ].join('\n');
}

function closeCodeTable(): string {
  const rows = CLOSE_CODE_LIST.map((code) => {
    const { name, reconnect, meaning } = CLOSE_CODE_CATALOG[code];
    return [String(code), `\`${name}\``, reconnect ? 'yes' : 'no', meaning];
  });
  return table(['Code', 'Name', 'Reconnect?', 'Meaning'], rows);
}

// ---- docs/configuration.md ----

function renderConfigurationDoc(): string {
  const rows = Object.entries(SETTINGS).map(([name, setting]) => {
    const json = z.toJSONSchema(setting.schema, { io: 'input' }) as JsonSchema;
    const fallback = json.default === undefined ? '(unset)' : `\`${String(json.default)}\`${withUnit(name, json.default)}`;
    return [`\`${name}\``, fallback, allowedValues(name, json), setting.doc];
  });
  return [
    '# Configuration',
    '',
    generatedNote('src/config.ts'),
    '',
    'Parley is configured only through environment variables, read once at start into a frozen',
    '`Config`. An empty value counts as unset. Every invalid value is reported at once, and an',
    'unknown `PARLEY_*` variable is an error (a typo must not silently fall back to a default).',
    'Durations are in milliseconds (`_MS`) and sizes in bytes (`_BYTES`), as their names say.',
    '',
    table(['Variable', 'Default', 'Allowed values', 'Description'], rows),
    '',
    '## Test suite only',
    '',
    'Read by the tests (`test/support/services.ts`), never by the server; `parley` accepts and ignores them.',
    '',
    table(['Variable', 'Description'], Object.entries(TEST_SETTINGS).map(([name, doc]) => [`\`${name}\``, doc])),
    '',
  ].join('\n');
}

function allowedValues(name: string, json: JsonSchema): string {
  if (json.enum !== undefined) return json.enum.map((v) => `\`${String(v)}\``).join(', ');
  if (json.type === 'integer' || json.type === 'number') {
    const kind = json.type === 'integer' ? 'integer' : 'number';
    if (json.minimum !== undefined && json.maximum !== undefined) {
      return `${kind} ${json.minimum}${withUnit(name, json.minimum)} – ${json.maximum}${withUnit(name, json.maximum)}`;
    }
    return renderType(json);
  }
  if (json.type === 'string' && json.minLength === 1 && json.maxLength === undefined && json.pattern === undefined) return 'any non-empty string';
  if (json.type === 'string' && json.minLength === undefined && json.maxLength === undefined && json.pattern === undefined) return 'any string';
  return renderType(json);
}

/** A human reading of a default or bound, from the unit its variable's name carries ("" when none helps). */
function withUnit(name: string, value: unknown, parenthesised = true): string {
  const text = typeof value === 'number' ? humanize(name, value) : undefined;
  if (text === undefined) return '';
  return parenthesised ? ` (${text})` : text;
}

function humanize(name: string, value: number): string | undefined {
  const pick = (units: [string, number][]) => {
    for (const [unit, size] of units) if (value >= size && value % size === 0) return `${value / size} ${unit}`;
    return undefined;
  };
  if (name.endsWith('_BYTES')) return pick([['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]]);
  if (name.endsWith('_MS')) return pick([['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1000]]);
  return undefined;
}

// ---- docs/protocol.md ----

/** Named schemas ($defs) met while rendering frames, shown once each under "Types". */
class SharedTypes {
  readonly #defs = new Map<string, { schema: JsonSchema; text: string }>();

  /** Convert a Zod schema to JSON Schema, keep its shared definitions, and return its own body. */
  collect(schema: z.ZodType, io: 'input' | 'output', own = true): JsonSchema {
    const json = z.toJSONSchema(schema, { io }) as JsonSchema;
    const defs = json.$defs ?? {};
    const topName = json.$ref?.split('/').pop();
    const body = topName === undefined ? json : defs[topName];
    if (body === undefined) throw new Error(`unresolved ${json.$ref ?? 'schema'}`);
    for (const [name, def] of Object.entries(defs)) {
      if (own && name === topName) continue;
      const text = JSON.stringify(def);
      const seen = this.#defs.get(name);
      if (seen !== undefined && seen.text !== text) throw new Error(`two different schemas share the id ${name}`);
      this.#defs.set(name, { schema: def, text });
    }
    return body;
  }

  /** One section per shared type, alphabetically. */
  render(): string {
    const names = [...this.#defs.keys()].sort((a, b) => a.localeCompare(b));
    return names.map((name) => renderTypeSection(name, this.#defs.get(name)?.schema ?? {})).join('\n\n');
  }
}

function renderProtocolDoc(template: string): string {
  const types = new SharedTypes();
  const blocks: Record<string, () => string> = {
    'client-frames': () => renderFrames(types, CLIENT_FRAMES, 'input', () => 'command'),
    'server-frames': () => renderFrames(types, SERVER_FRAMES, 'output', (name) => (name === 'reply' ? '' : 'push')),
    'error-codes': errorCodeTable,
    'close-codes': closeCodeTable,
    'embed-ticket': () => renderFields(types.collect(EmbedTicket, 'input'), RENDER),
  };
  // Frames first, so that "Types" (wherever the template puts it) knows every shared type.
  const rendered = new Map<string, string>();
  for (const [name, render] of Object.entries(blocks)) rendered.set(name, render());
  rendered.set('types', types.render());

  const used = new Set<string>();
  const body = template.replace(/\{\{([a-z-]+)(?::([A-Za-z0-9_]+))?\}\}/g, (token: string, name: string, arg: string | undefined) => {
    if (name === 'version' && arg === undefined) return String(PROTOCOL_VERSION);
    if (arg === undefined) {
      const block = rendered.get(name);
      if (block === undefined) throw new Error(`${TEMPLATE}: unknown token ${token}`);
      if (used.has(name)) throw new Error(`${TEMPLATE}: ${token} appears twice`);
      used.add(name);
      return block;
    }
    return inlineToken(token, name, arg);
  });
  const missing = [...rendered.keys()].filter((name) => !used.has(name));
  if (missing.length > 0) throw new Error(`${TEMPLATE}: missing ${missing.map((n) => `{{${n}}}`).join(', ')}`);
  const note = generatedNote(`${TEMPLATE} and src/protocol/`);
  return body.replace(/^(# .*\n)/, `$1\n${note}\n`);
}

/** `{{default:NAME}}`, `{{close:NAME}}` and `{{error:CODE}}` in the prose, checked against the code. */
function inlineToken(token: string, kind: string, arg: string): string {
  if (kind === 'default' && Object.hasOwn(SETTINGS, arg)) {
    const json = z.toJSONSchema(SETTINGS[arg as keyof typeof SETTINGS].schema, { io: 'input' }) as JsonSchema;
    if (json.default === undefined) throw new Error(`${TEMPLATE}: ${token} has no default`);
    return withUnit(arg, json.default, false) || String(json.default);
  }
  if (kind === 'close' && Object.hasOwn(CLOSE_CODES, arg)) return String(CLOSE_CODES[arg as keyof typeof CLOSE_CODES]);
  if (kind === 'error' && (ERROR_CODES as string[]).includes(arg)) return `\`${arg}\``;
  throw new Error(`${TEMPLATE}: unknown token ${token}`);
}

function renderFrames(types: SharedTypes, frames: Record<string, z.ZodType>, io: 'input' | 'output', kind: (name: string) => string): string {
  const sections = Object.entries(frames).map(([name, schema]) => {
    const description = schema.meta()?.description;
    if (description === undefined || description === '') throw new Error(`frame ${name} has no .meta({ description })`);
    const body = types.collect(schema, io);
    const lines = [`### ${[`\`${name}\``, kind(name)].filter(Boolean).join(' ')}`, '', description, '', renderFields(body, RENDER)];
    if (io === 'input') lines.push('', `Reply \`result\`: ${renderResult(types, COMMAND_RESULTS[name as ClientFrameType])}`);
    return lines.join('\n');
  });
  return sections.join('\n\n');
}

function renderResult(types: SharedTypes, schema: z.ZodType | undefined): string {
  if (schema === undefined) throw new Error('a command has no entry in COMMAND_RESULTS');
  const id = schema.meta()?.id;
  const json = types.collect(schema, 'output', id === undefined);
  if (id !== undefined) return `[\`${id}\`](#${slug(id)}).`;
  if (Object.keys(json.properties ?? {}).length === 0) return '`{}` (an empty object).';
  return `an object:\n\n${renderFields(json, RENDER)}`;
}

function renderTypeSection(name: string, schema: JsonSchema): string {
  const lines = [`### \`${name}\``, ''];
  if (schema.description !== undefined) lines.push(schema.description, '');
  if (schema.type === 'object' && schema.properties !== undefined) lines.push(renderFields(schema, RENDER));
  else lines.push(`${capitalise(renderType(schema, RENDER))}.`);
  return lines.join('\n');
}

// ---- shared ----

function generatedNote(sources: string): string {
  return `<!-- Generated by \`npm run docs\` (scripts/generate-docs.ts) from ${sources}. Do not edit by hand. -->`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

async function main(argv: string[]): Promise<number> {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  if (argv.includes('--check')) {
    const stale = await checkDocs(root);
    if (stale.length === 0) return 0;
    console.error(`Generated docs are out of date; run \`npm run docs\`:\n${stale.map((p) => `  ${p}`).join('\n')}`);
    return 1;
  }
  const written = await writeDocs(root);
  console.log(written.length === 0 ? 'docs are up to date' : `wrote ${written.join(', ')}`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
