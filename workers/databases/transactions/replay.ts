/**
 * A transaction's operations replayed, in order, over the rows they name: the state each row
 * would have after the commit. The commit compiles the difference between each row's state at
 * the start and at the end into one batch (commit.ts); a read through the transaction shows the
 * end state (Appwrite's "reads with transactionId see staged writes"). Every operation is checked
 * here as its own route would check it — structure, permissions, bounds — so a commit refuses
 * what the single call would have refused, before anything is written. Atomic operators are
 * computed in SQL (staged-operators.ts); relationship values are kept on the row's state and
 * written by the commit in its batch (relationships/write.ts).
 */
import { ApiError } from '../../lib/errors';
import type { Principal } from '../../lib/principal';
import { assertCanCreate, canAccessRow, resolveRowPermissions } from '../row-permissions';
import { checkRowData, type RowApi } from '../row-values';
import { assertKey, idOf } from '../rows-bulk';
import { steppableColumn } from '../rows-step';
import { plainCreateData, type StoredRow } from '../rows-store';
import { splitOperators } from '../operators/parse';
import { assertNoRelationships } from '../relationships/row-hooks';
import type { RelationDef } from '../relationships/types';
import { splitRelationData } from '../relationships/write';
import type { TableDef } from '../types';
import type { Action, StagedOp } from './operations';
import { operatedValues } from './staged-operators';

export interface RowState {
  table: TableDef;
  api: RowApi;
  id: string;
  /** The row as committed when the replay began (null: absent). */
  start: StoredRow | null;
  /** The row after the operations so far (null: absent or deleted). */
  row: StoredRow | null;
  last: Action;
  /** Relationship values the row's staged writes carry, in order (nested rows, ids, null). */
  relations: [RelationDef, unknown][];
}

type Data = Record<string, unknown>;

/** The rows of `table` a bulk call's `queries` select over the table as `states` leave it (overlay.ts). */
export type Matcher = (table: TableDef, api: RowApi, states: RowState[], queries: string[]) => Promise<StoredRow[]>;

function permissionsOf(data: Data): string[] | null | undefined {
  const raw = data.$permissions;
  if (raw === undefined || raw === null) return raw;
  if (!Array.isArray(raw) || !raw.every((p) => typeof p === 'string')) throw new ApiError('general_bad_request', 'Invalid `$permissions`: Value must be an array of permission strings');
  return raw as string[];
}

/** Every column, as a new row shows it: the checked values, null (arrays `[]`) for the rest. */
function fullValues(table: TableDef, values: Map<string, unknown>, base: Record<string, unknown> | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of table.columns) out[c.key] = values.has(c.key) ? (values.get(c.key) ?? (c.array ? [] : null)) : base ? base[c.key] : c.array ? [] : null;
  return out;
}

export class Replay {
  readonly states = new Map<string, RowState>();

  constructor(
    private readonly principal: Principal,
    /** The committed row, from what the caller loaded before the replay. */
    private readonly base: (table: TableDef, id: string) => StoredRow | null,
    private readonly now: string,
    /** Operators are computed in SQL (staged-operators.ts). */
    private readonly db: D1Database,
    private readonly match: Matcher,
  ) {}

  private matches(table: TableDef, api: RowApi, data: Data): Promise<StoredRow[]> {
    const states = [...this.states.values()].filter((s) => s.table.seq === table.seq);
    return this.match(table, api, states, (data.queries ?? []) as string[]);
  }

  state(table: TableDef, api: RowApi, id: string): RowState {
    const key = `${table.seq}:${id}`;
    let st = this.states.get(key);
    if (!st) {
      const start = this.base(table, id);
      st = { table, api, id, start, row: start, last: 'update', relations: [] };
      this.states.set(key, st);
    }
    return st;
  }

  /** Applies one staged operation; a bulkUpdate/bulkDelete's queries select rows as the operations before it leave them. */
  async apply(op: StagedOp, table: TableDef, api: RowApi): Promise<void> {
    const data = op.data as Data;
    if (op.action.startsWith('bulk')) assertNoRelationships(table);
    switch (op.action) {
      case 'create':
        return this.create(table, api, op.rowId!, data);
      case 'update':
        return this.update(table, api, op.rowId!, data, 'update');
      case 'upsert':
        return this.upsert(table, api, op.rowId!, data, 'upsert');
      case 'delete':
        return this.remove(table, api, op.rowId!);
      case 'increment':
      case 'decrement':
        return this.step(table, api, op.rowId!, data, op.action);
      case 'bulkCreate':
        assertKey(this.principal);
        for (const doc of op.data as Data[]) this.create(table, api, idOf(doc), doc, 'create');
        return;
      case 'bulkUpsert':
        assertKey(this.principal);
        for (const doc of op.data as Data[]) await this.upsert(table, api, idOf(doc), doc, 'upsert');
        return;
      case 'bulkUpdate':
        assertKey(this.principal);
        for (const row of await this.matches(table, api, data)) await this.update(table, api, row.id, (data.data ?? {}) as Data, 'update');
        return;
      case 'bulkDelete':
        assertKey(this.principal);
        for (const row of await this.matches(table, api, data)) this.remove(table, api, row.id);
        return;
    }
  }

  private create(table: TableDef, api: RowApi, id: string, input: Data, last: Action = 'create') {
    const st = this.state(table, api, id);
    if (st.row) throw new ApiError(api.errors.alreadyExists, undefined, id);
    const { data, relations } = splitRelationData(table, input);
    const perms = resolveRowPermissions(this.principal, permissionsOf(data), null);
    assertCanCreate(this.principal, table);
    const checked = checkRowData(table, plainCreateData(table, api, data), { api, mode: 'create', privileged: this.principal.kind === 'key' });
    st.relations.push(...relations);
    st.row = {
      seq: st.start?.seq ?? 0,
      id,
      createdAt: checked.createdAt ?? this.now,
      updatedAt: checked.updatedAt ?? this.now,
      permissions: perms,
      values: fullValues(table, checked.values, null),
    };
    st.last = last;
  }

  private existing(st: RowState): StoredRow {
    if (!st.row) throw new ApiError(st.api.errors.notFound, undefined, st.id);
    return st.row;
  }

  private async update(table: TableDef, api: RowApi, id: string, input: Data, last: Action) {
    const st = this.state(table, api, id);
    const old = this.existing(st);
    const { data, relations } = splitRelationData(table, input);
    const { plain, ops } = splitOperators(table, api, data);
    if (!canAccessRow(this.principal, table, old.permissions, 'update')) throw new ApiError('user_unauthorized');
    const perms = resolveRowPermissions(this.principal, permissionsOf(data), old.permissions);
    const checked = checkRowData(table, plain, { api, mode: 'update', privileged: this.principal.kind === 'key' });
    const values = fullValues(table, checked.values, old.values);
    if (ops.length) for (const [key, value] of await operatedValues(this.db, table, api, old, ops, this.now)) values[key] = value;
    st.relations.push(...relations);
    st.row = {
      ...old,
      createdAt: checked.createdAt ?? old.createdAt,
      updatedAt: checked.updatedAt ?? this.now,
      permissions: perms,
      values,
    };
    st.last = last;
  }

  private async upsert(table: TableDef, api: RowApi, id: string, data: Data, last: Action) {
    if (this.state(table, api, id).row) await this.update(table, api, id, data, last);
    else this.create(table, api, id, data, last);
  }

  private remove(table: TableDef, api: RowApi, id: string) {
    const st = this.state(table, api, id);
    const old = this.existing(st);
    if (!canAccessRow(this.principal, table, old.permissions, 'delete')) throw new ApiError('user_unauthorized');
    st.row = null;
    // Links go with the row (the commit applies its table's onDelete rules).
    st.relations = [];
    st.last = 'delete';
  }

  /** increment/decrement as the row route does them: bounded by max/min and the column's range. */
  private step(table: TableDef, api: RowApi, id: string, data: Data, direction: 'increment' | 'decrement') {
    const st = this.state(table, api, id);
    const old = this.existing(st);
    const key = String(data.column ?? data.attribute);
    const by = (data.value ?? 1) as number | bigint;
    if (typeof by !== 'number' && typeof by !== 'bigint') throw new ApiError('general_argument_invalid', 'Value must be numeric and greater than 0');
    const col = steppableColumn(table, api, key, by);
    if (!canAccessRow(this.principal, table, old.permissions, 'update')) throw new ApiError('user_unauthorized');
    const sign = direction === 'increment' ? 1 : -1;
    const current = old.values[key] ?? 0;
    const next =
      col.type === 'float' ? Number(current) + sign * Number(by) : BigInt(current as number | bigint) + BigInt(sign) * BigInt(by as number | bigint);
    const bound = (direction === 'increment' ? data.max : data.min) as number | bigint | null | undefined;
    if (bound !== undefined && bound !== null && (direction === 'increment' ? next > bound : next < bound)) {
      const which = direction === 'increment' ? 'maximum' : 'minimum';
      throw new ApiError(api.errors.limitExceeded, `${api.sdkNamespace} "${key}" has reached the ${which} value of ${bound}`);
    }
    const checked = checkRowData(table, { [key]: next }, { api, mode: 'update', privileged: true });
    st.row = { ...old, updatedAt: this.now, values: { ...old.values, [key]: checked.values.get(key) } };
    st.last = 'update';
  }
}
