/**
 * How every Store engine turns driver failures into the port's errors (src/core/ports/store.ts):
 * a ParleyError passes through; a violated primary or foreign key named by the caller becomes
 * `VALIDATION_FAILED` with `details.field`; anything else (lost connection, lock timeout, closed
 * pool, disk full) becomes `STORE_UNAVAILABLE`, retryable, with the driver error as `cause`.
 * Each engine supplies only the classifier that reads its driver's error codes.
 */
import { ParleyError } from '../../protocol/errors.ts';

/** The constraint kinds a caller may turn into `VALIDATION_FAILED`. */
export type ConstraintKind = 'primaryKey' | 'foreignKey';

/** Reads a driver error: which constraint kind it violated, or undefined for any other failure. */
export type ClassifyConstraint = (err: unknown) => ConstraintKind | undefined;

/** Per call: the port field and client-facing message to report for each violated constraint kind. */
export type ConstraintFields = Partial<Record<ConstraintKind, readonly [field: string, message: string]>>;

/** Runs one store call with the error rules of the module comment. */
export type Guard = <T>(fn: () => Promise<T>, constraints?: ConstraintFields) => Promise<T>;

/** A {@link Guard} for an engine whose driver errors `classify` reads. */
export function guardWith(classify: ClassifyConstraint): Guard {
  return async (fn, constraints = {}) => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ParleyError) throw err;
      const kind = classify(err);
      const known = kind === undefined ? undefined : constraints[kind];
      if (known !== undefined) throw new ParleyError('VALIDATION_FAILED', known[1], { details: { field: known[0] }, cause: err });
      throw unavailable(err);
    }
  };
}

/**
 * Wrap a driver failure in `STORE_UNAVAILABLE` (ParleyErrors pass unchanged). The catalog message is
 * kept: clients see it; the driver error stays in `cause` for the log.
 */
export function unavailable(err: unknown): ParleyError {
  if (err instanceof ParleyError) return err;
  return new ParleyError('STORE_UNAVAILABLE', undefined, { cause: err });
}

/** Reject a page size that is not an integer ≥ 1 with `VALIDATION_FAILED` (details.field = 'limit'). */
export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new ParleyError('VALIDATION_FAILED', 'limit must be an integer ≥ 1', { details: { field: 'limit' } });
  }
}
