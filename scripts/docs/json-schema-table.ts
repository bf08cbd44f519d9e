/**
 * Markdown renderings of the JSON Schemas that Zod 4's `z.toJSONSchema` produces: a one-line type
 * ("string (1–64 chars)", "integer (≥ 0)", a link to a named type) and a field table
 * (field, type, required, description). Used by `scripts/generate-docs.ts`.
 */

/** The subset of JSON Schema (draft 2020-12) that `z.toJSONSchema` emits for Parley's schemas. */
export interface JsonSchema {
  readonly $ref?: string;
  readonly $defs?: Record<string, JsonSchema>;
  readonly type?: string | readonly string[];
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly items?: JsonSchema;
  readonly properties?: Record<string, JsonSchema>;
  readonly required?: readonly string[];
  readonly additionalProperties?: JsonSchema | boolean;
  readonly description?: string;
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly minItems?: number;
  readonly maxItems?: number;
}

/** How to name enums that have a section of their own (e.g. the error codes); undefined lists the values. */
export interface RenderOptions {
  readonly enumName?: (values: readonly unknown[]) => string | undefined;
}

/** The anchor GitHub gives a heading with this text (lower case, punctuation dropped, spaces → `-`). */
export function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .trim()
    .replace(/\s/g, '-');
}

/** A Markdown table; `|` and line breaks inside cells are escaped. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
  return lines.join('\n');
}

/** One line describing a schema's type and constraints; named types become links to their section. */
export function renderType(schema: JsonSchema, options: RenderOptions = {}): string {
  if (schema.$ref !== undefined) {
    const name = schema.$ref.split('/').pop() ?? schema.$ref;
    return `[\`${name}\`](#${slug(name)})`;
  }
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.enum !== undefined) return options.enumName?.(schema.enum) ?? schema.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' or ');
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants !== undefined) return variants.map((v) => renderType(v, options)).join(' or ');
  const type = schema.type;
  if (type !== undefined && typeof type !== 'string') return type.map((t) => renderType({ ...schema, type: t }, options)).join(' or ');
  switch (type) {
    case 'string':
      return withConstraints('string', [range(schema.minLength, schema.maxLength, ' chars'), schema.format, schema.pattern === undefined ? undefined : `matching \`${schema.pattern}\``]);
    case 'integer':
    case 'number':
      return withConstraints(type, [bounds(schema)]);
    case 'array': {
      const item = schema.items === undefined ? 'any JSON value' : renderType(schema.items, options);
      return withConstraints(`array of ${item}`, [range(schema.minItems, schema.maxItems, ' items')]);
    }
    case 'object':
      return 'object';
    case undefined:
      return 'any JSON value';
    default:
      return type;
  }
}

interface Row {
  readonly field: string;
  readonly type: string;
  readonly required: 'yes' | 'no' | 'one of';
  readonly description: string;
}

/**
 * The field table of an object schema. Inline nested objects are flattened as `parent.child`
 * (`parent[].child` inside arrays). A union of objects is merged: a field present in only some
 * variants is marked "one of", meaning exactly one such field is present.
 */
export function renderFields(schema: JsonSchema, options: RenderOptions = {}): string {
  const rows = fieldRows(schema, '', options);
  const body = table(
    ['Field', 'Type', 'Required', 'Description'],
    rows.map((r) => [`\`${r.field}\``, r.type, r.required, r.description]),
  );
  return rows.some((r) => r.required === 'one of') ? `${body}\n\nExactly one of the fields marked *one of* is present.` : body;
}

function fieldRows(schema: JsonSchema, prefix: string, options: RenderOptions): Row[] {
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants !== undefined && variants.every(isInlineObject)) return mergeVariants(variants.map((v) => fieldRows(v, prefix, options)));
  const required = new Set(schema.required ?? []);
  const rows: Row[] = [];
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    const field = `${prefix}${key}`;
    rows.push({ field, type: renderType(prop, options), required: required.has(key) ? 'yes' : 'no', description: prop.description ?? '' });
    if (isInlineObject(prop)) rows.push(...fieldRows(prop, `${field}.`, options));
    else if (prop.type === 'array' && prop.items !== undefined && isInlineObject(prop.items)) rows.push(...fieldRows(prop.items, `${field}[].`, options));
  }
  return rows;
}

function mergeVariants(variants: Row[][]): Row[] {
  const merged = new Map<string, { row: Row; count: number; requiredIn: number }>();
  for (const rows of variants) {
    for (const row of rows) {
      const seen = merged.get(row.field);
      const requiredIn = row.required === 'no' ? 0 : 1;
      if (seen === undefined) merged.set(row.field, { row, count: 1, requiredIn });
      else merged.set(row.field, { row: { ...seen.row, description: seen.row.description || row.description }, count: seen.count + 1, requiredIn: seen.requiredIn + requiredIn });
    }
  }
  return [...merged.values()].map(({ row, count, requiredIn }) => {
    const required = requiredIn === 0 ? 'no' : count === variants.length && requiredIn === count ? 'yes' : count < variants.length && requiredIn === count ? 'one of' : 'no';
    return { ...row, required };
  });
}

function isInlineObject(schema: JsonSchema): boolean {
  return schema.type === 'object' && schema.properties !== undefined && Object.keys(schema.properties).length > 0;
}

function withConstraints(base: string, constraints: readonly (string | undefined)[]): string {
  const present = constraints.filter((c): c is string => c !== undefined && c !== '');
  return present.length === 0 ? base : `${base} (${present.join(', ')})`;
}

function range(min: number | undefined, max: number | undefined, unit: string): string | undefined {
  if (min !== undefined && max !== undefined) return min === max ? `${min}${unit}` : `${min}–${max}${unit}`;
  if (min !== undefined) return min === 0 ? undefined : min === 1 ? 'non-empty' : `≥ ${min}${unit}`;
  if (max !== undefined) return `≤ ${max}${unit}`;
  return undefined;
}

/** Numeric bounds, leaving out the ±(2^53 − 1) that Zod's `.int()` adds when no bound was given. */
function bounds(schema: JsonSchema): string | undefined {
  const low = schema.exclusiveMinimum !== undefined ? `> ${schema.exclusiveMinimum}` : bound('≥', schema.minimum);
  const high = schema.exclusiveMaximum !== undefined ? `< ${schema.exclusiveMaximum}` : bound('≤', schema.maximum);
  if (low?.startsWith('≥') === true && high?.startsWith('≤') === true) return `${schema.minimum}–${schema.maximum}`;
  const present = [low, high].filter((b) => b !== undefined);
  return present.length === 0 ? undefined : present.join(', ');
}

function bound(op: '≥' | '≤', value: number | undefined): string | undefined {
  return value === undefined || Math.abs(value) === Number.MAX_SAFE_INTEGER ? undefined : `${op} ${value}`;
}
