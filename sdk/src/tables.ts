import type { Core } from './core';
import type { QueryFor, Selected } from './query';

/** The fields every row carries. */
export interface RowMeta {
  $id: string;
  $sequence: number;
  $tableId: string;
  $databaseId: string;
  $createdAt: string;
  $updatedAt: string;
  $permissions: string[];
}
export type Row<T> = T & RowMeta;
export interface RowList<T> {
  total: number;
  rows: Row<T>[];
}

/** `{ [databaseId]: { [tableId]: RowType } }`, as `npm run types:tables` writes it. */
export type TablesSchema = Record<string, Record<string, object>>;
/** Without a schema every database, table and column is allowed and values are `any`. */
export type AnySchema = Record<string, Record<string, Record<string, any>>>;

/** What a write sends: optional (nullable) columns may be left out, relationships take ids. */
export type RowData<T> = { [K in keyof T]: T[K] | Ids<T[K]> };
type Ids<V> = V extends readonly (infer E)[] ? (E extends object ? string[] : never) : V extends object ? string : never;

type Db<S> = keyof S & string;
type Tb<S, D extends keyof S> = keyof S[D] & string;
type Target<S, D extends keyof S, T extends keyof S[D]> = { databaseId: D; tableId: T };
type R<S, D extends keyof S, T extends keyof S[D]> = S[D][T];

const ROWS = '/tablesdb/{databaseId}/tables/{tableId}/rows';
const ROW = `${ROWS}/{rowId}`;

/**
 * Rows of TablesDB (`/v1/tablesdb`), with Appwrite's method names. Given a schema, table names,
 * query columns, values and `select` projections are checked by the compiler.
 */
export function createTables<S extends object = AnySchema>(core: Core) {
  return {
    listRows: <D extends Db<S>, T extends Tb<S, D>, const Q extends readonly QueryFor<R<S, D, T>>[] = []>(
      p: Target<S, D, T> & { queries?: Q; total?: boolean },
    ): Promise<RowList<Selected<R<S, D, T>, Q>>> => core.call('GET', ROWS, p),
    getRow: <D extends Db<S>, T extends Tb<S, D>, const Q extends readonly QueryFor<R<S, D, T>>[] = []>(
      p: Target<S, D, T> & { rowId: string; queries?: Q },
    ): Promise<Row<Selected<R<S, D, T>, Q>>> => core.call('GET', ROW, p),
    createRow: <D extends Db<S>, T extends Tb<S, D>>(
      p: Target<S, D, T> & { rowId: string; data: RowData<R<S, D, T>>; permissions?: string[] },
    ): Promise<Row<R<S, D, T>>> => core.call('POST', ROWS, p),
    upsertRow: <D extends Db<S>, T extends Tb<S, D>>(
      p: Target<S, D, T> & { rowId: string; data: RowData<R<S, D, T>>; permissions?: string[] },
    ): Promise<Row<R<S, D, T>>> => core.call('PUT', ROW, p),
    updateRow: <D extends Db<S>, T extends Tb<S, D>>(
      p: Target<S, D, T> & { rowId: string; data?: Partial<RowData<R<S, D, T>>>; permissions?: string[] },
    ): Promise<Row<R<S, D, T>>> => core.call('PATCH', ROW, p),
    deleteRow: <D extends Db<S>, T extends Tb<S, D>>(p: Target<S, D, T> & { rowId: string }): Promise<unknown> => core.call('DELETE', ROW, p),
    incrementRowColumn: <D extends Db<S>, T extends Tb<S, D>>(
      p: Target<S, D, T> & { rowId: string; column: NumericKeys<R<S, D, T>>; value?: number; max?: number },
    ): Promise<Row<R<S, D, T>>> => core.call('PATCH', `${ROW}/{column}/increment`, p),
    decrementRowColumn: <D extends Db<S>, T extends Tb<S, D>>(
      p: Target<S, D, T> & { rowId: string; column: NumericKeys<R<S, D, T>>; value?: number; min?: number },
    ): Promise<Row<R<S, D, T>>> => core.call('PATCH', `${ROW}/{column}/decrement`, p),
  };
}

type NumericKeys<T> = { [K in keyof T & string]: NonNullable<T[K]> extends number ? K : never }[keyof T & string];
