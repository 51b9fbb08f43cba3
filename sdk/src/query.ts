/**
 * Appwrite's queries (the JSON strings the server reads), typed: each query carries the column it
 * names and the value type it compares with, so a typed table refuses a column it does not have
 * or a value of the wrong type at compile time. At run time a query is a plain string.
 */
declare const brand: unique symbol;
/** A query on column `K` comparing with values of type `V` (`$page`: limit/offset/cursors, `$select`: a projection). */
export type Query<K extends string = string, V = unknown> = string & { readonly [brand]: [K, V] };

type Scalar = string | number | boolean | null;
type Many<V> = V | readonly V[];

const q = (method: string, attribute?: string, values?: unknown): any =>
  JSON.stringify({ method, attribute, values: values === undefined ? undefined : Array.isArray(values) ? values : [values] });

export const Query = {
  equal: <K extends string, const V extends Scalar>(column: K, value: Many<V>): Query<K, V> => q('equal', column, value),
  notEqual: <K extends string, const V extends Scalar>(column: K, value: Many<V>): Query<K, V> => q('notEqual', column, value),
  lessThan: <K extends string, V extends string | number>(column: K, value: V): Query<K, V> => q('lessThan', column, value),
  lessThanEqual: <K extends string, V extends string | number>(column: K, value: V): Query<K, V> => q('lessThanEqual', column, value),
  greaterThan: <K extends string, V extends string | number>(column: K, value: V): Query<K, V> => q('greaterThan', column, value),
  greaterThanEqual: <K extends string, V extends string | number>(column: K, value: V): Query<K, V> => q('greaterThanEqual', column, value),
  between: <K extends string, V extends string | number>(column: K, start: V, end: V): Query<K, V> => q('between', column, [start, end]),
  isNull: <K extends string>(column: K): Query<K, null> => q('isNull', column),
  isNotNull: <K extends string>(column: K): Query<K, never> => q('isNotNull', column),
  startsWith: <K extends string>(column: K, value: string): Query<K, string> => q('startsWith', column, value),
  endsWith: <K extends string>(column: K, value: string): Query<K, string> => q('endsWith', column, value),
  search: <K extends string>(column: K, value: string): Query<K, string> => q('search', column, value),
  /** A substring of a string column, or elements of an array column. */
  contains: <K extends string, const V extends Scalar>(column: K, value: Many<V>): Query<K, V> => q('contains', column, value),
  orderAsc: <K extends string>(column: K): Query<K, never> => q('orderAsc', column),
  orderDesc: <K extends string>(column: K): Query<K, never> => q('orderDesc', column),
  limit: (n: number): Query<'$page', never> => q('limit', undefined, n),
  offset: (n: number): Query<'$page', never> => q('offset', undefined, n),
  cursorAfter: (id: string): Query<'$page', never> => q('cursorAfter', undefined, id),
  cursorBefore: (id: string): Query<'$page', never> => q('cursorBefore', undefined, id),
  /** Only these columns (and the `$` fields) come back; `'author.*'` loads a relationship. */
  select: <const K extends string>(columns: readonly K[]): Query<'$select', K> => q('select', undefined, columns),
  and: <const T extends readonly Query<any, any>[]>(queries: T): T[number] => q('and', undefined, queries.map((x) => JSON.parse(x))),
  or: <const T extends readonly Query<any, any>[]>(queries: T): T[number] => q('or', undefined, queries.map((x) => JSON.parse(x))),
};

type Meta = '$id' | '$createdAt' | '$updatedAt' | '$sequence';
type Columns<T> = (keyof T & string) | Meta;
/** What a filter on `K` compares with: array columns by element, relationships by id. */
type ValueOf<T, K> = K extends keyof T ? Elem<NonNullable<T[K]>> | (null extends T[K] ? null : never) : K extends '$sequence' ? number : string;
type Elem<V> = V extends readonly (infer E)[] ? Elem<E> : V extends object ? string : V;
type Selectable<T> = Columns<T> | '*' | `${keyof T & string}.${string}`;

/** The queries a row type `T` accepts. */
export type QueryFor<T> =
  | { [K in Columns<T>]: Query<K, ValueOf<T, K>> }[Columns<T>]
  | Query<'$page', never>
  | Query<'$select', Selectable<T>>;

type SelectOf<Q> = Q extends Query<'$select', infer S> ? (S extends `${infer H}.${string}` ? H : S) : never;
/** `T` narrowed to the columns a `select` among `Qs` names (all of `T` without one, or with `*`). */
export type Selected<T, Qs> = Qs extends readonly (infer E)[]
  ? [SelectOf<E>] extends [never]
    ? T
    : '*' extends SelectOf<E>
      ? T
      : Pick<T, SelectOf<E> & keyof T>
  : T;
