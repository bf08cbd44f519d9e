/**
 * A query built once with Kysely, compiled once and prepared once on the raw better-sqlite3
 * connection, so the SQL is written in one place (typed by Kysely) and the hot path skips Kysely's
 * per-call compile and prepare.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Compilable } from 'kysely';

/** Marks a named parameter in compiled parameters; a NUL prefix cannot come from a real constant here. */
const PARAM_MARK = '\u0000param:';

/**
 * A prepared statement whose parameters are bound by name. `build` receives `p(name)`, a marker
 * standing for the named parameter `name`; every other compiled parameter is kept as a constant.
 */
export class NamedStatement<N extends string> {
  readonly #stmt: BetterSqlite3.Statement;
  readonly #slots: readonly ({ readonly name: N } | { readonly value: unknown })[];

  /** Compile `build`'s query and prepare it on `raw`. @throws the driver's error for invalid SQL. */
  constructor(raw: BetterSqlite3.Database, build: (p: <V>(name: N) => V) => Compilable) {
    const compiled = build(<V>(name: N) => `${PARAM_MARK}${name}` as V).compile();
    this.#slots = compiled.parameters.map((v) =>
      typeof v === 'string' && v.startsWith(PARAM_MARK) ? { name: v.slice(PARAM_MARK.length) as N } : { value: v },
    );
    this.#stmt = raw.prepare(compiled.sql);
  }

  /** The first row, or undefined. */
  get(values: Readonly<Record<N, unknown>>): unknown {
    return this.#stmt.get(this.#bind(values));
  }

  /** Run for its effect; `changes` counts the rows written. */
  run(values: Readonly<Record<N, unknown>>): BetterSqlite3.RunResult {
    return this.#stmt.run(this.#bind(values));
  }

  #bind(values: Readonly<Record<N, unknown>>): unknown[] {
    return this.#slots.map((s) => ('name' in s ? values[s.name] : s.value));
  }
}
