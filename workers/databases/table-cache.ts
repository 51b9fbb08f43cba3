/**
 * Table definitions cached per isolate, so a row read costs one D1 round trip instead of two.
 *
 * A cached definition is never trusted on its own: a read runs the table's version check as the
 * FIRST statement of the same `db.batch` as the row statements (one round trip, one snapshot),
 * and its result is used only when the version token still matches. Every definition change
 * (table row, columns, indexes) replaces the token in the batch that makes the change
 * (schema-store.ts `touchTable`/`updateTable`); a dropped or recreated table has no row at the
 * cached `seq`; the database's `enabled` flag is read live by the check. Anything the cached
 * definition decides before the check — a query it cannot compile, a permission it refuses —
 * is thrown away and decided again on a freshly loaded definition, so a stale schema can neither
 * grant nor deny.
 *
 * Writes must be decided on a current definition BEFORE they apply, so a write on a cached
 * definition either validates it in an earlier round trip it needs anyway (update, upsert,
 * delete and increment read the row first: the check rides in that read's batch), or carries the
 * check inside the write statements themselves (create: `INSERT … SELECT … WHERE <guard>`, which
 * writes nothing when the definition is stale; see `guardSql`). A refused or failed attempt on a
 * cached definition wrote nothing and is redone on a fresh one.
 */
import { RolesChanged } from '../identity/batch';
import { numberedFrom } from '../lib/d1';
import { ApiError } from '../lib/errors';
import { loadTableState, type TableState } from './schema-store';
import type { Flavor } from './flavor';
import type { TableDef } from './types';

interface Entry {
  table: TableDef;
  version: string;
}

/** Bounded so an isolate serving many tables stays small; oldest entries go first. */
const MAX_ENTRIES = 256;
const cache = new Map<string, Entry>();

const keyOf = (databaseId: string, tableId: string) => `${databaseId}\u0000${tableId}`;

/** Shared between concurrent requests, so nothing may change it after it is cached. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function remember(databaseId: string, tableId: string, state: TableState) {
  const key = keyOf(databaseId, tableId);
  cache.delete(key);
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(key, { table: deepFreeze(state.table), version: state.version });
}

export interface TableRef {
  databaseId: string;
  tableId: string;
  flavor: Flavor;
}

/** Loads the definition from D1 (one round trip) and caches it. */
export async function loadFresh(db: D1Database, ref: TableRef): Promise<TableState> {
  const state = await loadTableState(db, ref.databaseId, ref.tableId, ref.flavor);
  remember(ref.databaseId, ref.tableId, state);
  return state;
}

/** A read expressed as statements plus how to turn their results into the answer. */
export interface ReadPlan<T> {
  statements: D1PreparedStatement[];
  finish: (results: D1Result<Record<string, unknown>>[]) => T;
}

/** What a guarded write checks inside its own statement: the cached definition is still current. */
export interface TableGuard {
  seq: number;
  version: string;
  /** 1: the database must be enabled (callers other than API keys); 0: any. */
  minDatabaseEnabled: 0 | 1;
}

/** Returned by a guarded write attempt whose guard refused: nothing was written. */
export const STALE = Symbol('stale table definition');

/** The result of a write made without a guard, which cannot be `STALE`. */
export function mustApply<T>(value: T | typeof STALE): T {
  if (value === STALE) throw new Error('an unguarded write reported a stale definition');
  return value;
}

/**
 * The guard as an SQL condition with numbered parameters from `?first`, or `1` without a guard;
 * with `also`, AND that condition too (its parameters numbered after the guard's). Numbered, so
 * it can follow a statement's own `?1…?n`.
 */
export function guardSql(guard: TableGuard | null, first: number, also: SqlCondition | null = null): SqlCondition {
  const own: SqlCondition = guard
    ? {
        sql: `EXISTS (SELECT 1 FROM tables t JOIN databases d ON d.id = t.database_id WHERE t.seq = ?${first} AND t.version = ?${first + 1} AND d.enabled >= ?${first + 2})`,
        params: [guard.seq, guard.version, guard.minDatabaseEnabled],
      }
    : { sql: '1', params: [] };
  if (!also) return own;
  return { sql: `${own.sql} AND (${numberedFrom(also.sql, first + own.params.length)})`, params: [...own.params, ...also.params] };
}

/** An SQL condition and its parameters (`also` of `guardSql`: anonymous `?`, which it numbers). */
export interface SqlCondition {
  sql: string;
  params: unknown[];
}

/** The cached definition of `ref`, if any, and the guard a write on it carries (not for API keys). */
export function cachedForWrite(ref: TableRef): { table: TableDef; guard: TableGuard } | null {
  const entry = cache.get(keyOf(ref.databaseId, ref.tableId));
  return entry ? { table: entry.table, guard: { seq: entry.table.seq, version: entry.version, minDatabaseEnabled: 1 } } : null;
}

/**
 * Runs a write whose every statement is conditional on `guard` (see `guardSql`). `attempt` must
 * write nothing when it throws or returns `STALE`; on a cached definition either outcome is
 * retried once on a fresh definition (unguarded, as `gate` then decided on current data).
 */
export async function writeWithTable<T>(
  db: D1Database,
  ref: TableRef,
  keyed: boolean,
  gate: (table: TableDef, databaseEnabled: boolean) => void,
  attempt: (table: TableDef, guard: TableGuard | null) => Promise<T | typeof STALE>,
): Promise<{ table: TableDef; value: T }> {
  const key = keyOf(ref.databaseId, ref.tableId);
  const entry = cache.get(key);
  if (entry) {
    let value: T | typeof STALE = STALE;
    try {
      gate(entry.table, true); // the database's own flag is checked by the guard
      value = await attempt(entry.table, { seq: entry.table.seq, version: entry.version, minDatabaseEnabled: keyed ? 0 : 1 });
    } catch {
      // Decided on a definition not yet known to be current, and nothing was written: decide again below.
    }
    if (value !== STALE) return { table: entry.table, value };
    cache.delete(key);
  }
  const fresh = await loadFresh(db, ref);
  gate(fresh.table, fresh.databaseEnabled);
  return { table: fresh.table, value: mustApply(await attempt(fresh.table, null)) };
}

/** Runs statements in one D1 round trip; a deferred caller's first batch also checks its credential (identity/batch.ts). */
export type Batch = (statements: D1PreparedStatement[]) => Promise<D1Result<Record<string, unknown>>[]>;

const versionCheck = (db: D1Database, seq: number) =>
  db.prepare('SELECT t.version AS version, d.enabled AS db_enabled FROM tables t JOIN databases d ON d.id = t.database_id WHERE t.seq = ?').bind(seq);

/**
 * Runs a read against the table `ref` names. `gate` decides whether the caller may see the table
 * at all (it throws); `plan` builds the statements from a definition. Both, and `finish`, only
 * ever act on a definition that was current when the statements ran. `batch` runs them: with a
 * deferred caller, the credential check rides in the same round trip as the version check and the
 * read, so a warm read is ONE round trip. The caller's own refusals (an ended JWT, a blocked
 * user, a missing scope) stand; if its SQL-derived roles turn out to differ from the principal's
 * (`RolesChanged`), the plan is built again on the principal, now known.
 */
export async function readWithTable<T>(
  db: D1Database,
  batch: Batch,
  ref: TableRef,
  gate: (table: TableDef, databaseEnabled: boolean) => void,
  plan: (table: TableDef) => ReadPlan<T>,
): Promise<{ table: TableDef; value: T }> {
  const key = keyOf(ref.databaseId, ref.tableId);
  const entry = cache.get(key);
  if (entry) {
    for (let attempt = 0; attempt < 2; attempt++) {
      let p: ReadPlan<T>;
      try {
        p = plan(entry.table);
      } catch {
        break; // a stale definition can refuse a valid query: decide again below
      }
      let results: D1Result<Record<string, unknown>>[];
      try {
        results = await batch([versionCheck(db, entry.table.seq), ...p.statements]);
      } catch (e) {
        if (e instanceof RolesChanged) continue;
        if (e instanceof ApiError) throw e; // the caller's own refusal
        break; // a stale definition can name dropped tables or columns: decide again below
      }
      const checked = results[0].results[0] as { version: string; db_enabled: number } | undefined;
      if (!checked || checked.version !== entry.version) break;
      gate(entry.table, checked.db_enabled === 1);
      return { table: entry.table, value: p.finish(results.slice(1)) };
    }
    cache.delete(key);
  }
  const fresh = await loadFresh(db, ref);
  gate(fresh.table, fresh.databaseEnabled);
  for (let attempt = 0; ; attempt++) {
    const p = plan(fresh.table);
    let results: D1Result<Record<string, unknown>>[];
    try {
      results = await batch(p.statements);
    } catch (e) {
      if (e instanceof RolesChanged && attempt === 0) continue;
      throw e;
    }
    return { table: fresh.table, value: p.finish(results) };
  }
}
