/**
 * A read built once with Kysely and compiled once, run with named parameters on either engine: the
 * SQL is written in one place (typed by Kysely), and a hot read skips building and compiling the
 * query on every call (SQLite also reuses its prepared statement: `sqlite/statement-cache.ts`).
 * The SQLite appends' `NamedStatement` does the same on the raw connection.
 */
import type { Compilable, CompiledQuery, Kysely } from 'kysely';

/** Marks a named parameter in compiled parameters; a NUL prefix cannot come from a real constant here. */
const PARAM_MARK = '\u0000param:';

/** A compiled query whose parameters are bound by name. `build` receives `p(name)`, a marker standing for the named parameter. */
export class CompiledRead<N extends string, R> {
  readonly #compiled: CompiledQuery<R>;
  readonly #slots: readonly ({ readonly name: N } | { readonly value: unknown })[];

  constructor(build: (p: <V>(name: N) => V) => Compilable<R>) {
    this.#compiled = build(<V>(name: N) => `${PARAM_MARK}${name}` as V).compile();
    this.#slots = this.#compiled.parameters.map((v) => (typeof v === 'string' && v.startsWith(PARAM_MARK) ? { name: v.slice(PARAM_MARK.length) as N } : { value: v }));
  }

  /** The rows the query answers for `values`. */
  async rows<DB>(db: Kysely<DB>, values: Readonly<Record<N, unknown>>): Promise<R[]> {
    const parameters = this.#slots.map((s) => ('name' in s ? values[s.name] : s.value));
    return (await db.executeQuery<R>({ ...this.#compiled, parameters })).rows;
  }
}
