/**
 * A table for query tests, described only in the compiler's own terms (a QueryTarget), so lib/
 * needs no domain: `_seq INTEGER PRIMARY KEY, _uid TEXT UNIQUE, _createdAt, _updatedAt,
 * _permissions` + one `c_<key>` column per column (TEXT/INTEGER/REAL, booleans 0/1, arrays JSON
 * text) + a contentless FTS5 table for `title`. It is shaped like a databases user table;
 * workers/databases/query-target.test.ts checks that the databases mapping of the same table
 * yields exactly TEST_TARGET.
 */
import type { FieldKind, QueryField, QueryTarget } from '../types';
import type { OracleRow } from './oracle';

/** The test table's columns: client key, comparison kind, array or not. */
export const TEST_COLUMNS: readonly { key: string; kind: FieldKind; array: boolean }[] = [
  { key: 'title', kind: 'text', array: false },
  { key: 'name', kind: 'text', array: false },
  { key: 'count', kind: 'integer', array: false },
  { key: 'score', kind: 'real', array: false },
  { key: 'flag', kind: 'boolean', array: false },
  { key: 'when', kind: 'datetime', array: false },
  { key: 'tags', kind: 'text', array: true },
  { key: 'nums', kind: 'integer', array: true },
];

const FTS_TABLE = 't_900_fts_1';

function buildTarget(): QueryTarget {
  const fields: Record<string, QueryField> = {
    $id: { column: '_uid', kind: 'text', array: false, notNull: true },
    $sequence: { column: '_seq', kind: 'integer', array: false, notNull: true },
    $createdAt: { column: '_createdAt', kind: 'datetime', array: false, notNull: true },
    $updatedAt: { column: '_updatedAt', kind: 'datetime', array: false, notNull: true },
  };
  for (const c of TEST_COLUMNS) fields[c.key] = { column: `c_${c.key}`, kind: c.kind, array: c.array };
  fields.title.fulltext = { table: FTS_TABLE, column: 'f0' };
  return {
    table: 't_900',
    fields,
    idColumn: '_uid',
    seqColumn: '_seq',
    selectable: ['$id', '$sequence', '$createdAt', '$updatedAt', '$permissions', '$tableId', '$collectionId', '$databaseId'],
    indexes: TEST_INDEXES.map((i) => ({ columns: i.columns })),
  };
}

const asc = (column: string) => ({ column, direction: 'asc' as const });
const desc = (column: string) => ({ column, direction: 'desc' as const });

/** The test table's B-tree indexes (system ones first, as a user table has them), created by `createTestTable`. */
export const TEST_INDEXES = [
  { name: 't_900_created', columns: [asc('_createdAt'), asc('_seq')] },
  { name: 't_900_updated', columns: [asc('_updatedAt'), asc('_seq')] },
  { name: 't_900_count', columns: [asc('c_count')] },
  { name: 't_900_flag_score', columns: [asc('c_flag'), desc('c_score')] },
  { name: 't_900_name', columns: [desc('c_name')] },
] as const;

export const TEST_TARGET: QueryTarget = buildTarget();

const SQL_TYPE: Record<FieldKind, string> = { text: 'TEXT', integer: 'INTEGER', real: 'REAL', boolean: 'INTEGER', datetime: 'TEXT' };

/** D1 cannot bind bigint or booleans; INTEGER affinity turns decimal text back into an exact integer. */
function stored(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return JSON.stringify(value);
  return value;
}

/** Creates the table (dropping a previous one) and inserts `rows` with their `$sequence`. */
export async function createTestTable(db: D1Database, rows: OracleRow[]): Promise<void> {
  const t = `"${TEST_TARGET.table}"`;
  const cols = TEST_COLUMNS.map((c) => `"c_${c.key}" ${c.array ? 'TEXT' : SQL_TYPE[c.kind]}`);
  await db.batch([
    db.prepare(`DROP TABLE IF EXISTS "${FTS_TABLE}"`),
    db.prepare(`DROP TABLE IF EXISTS ${t}`),
    db.prepare(`CREATE TABLE ${t} (_seq INTEGER PRIMARY KEY AUTOINCREMENT, _uid TEXT NOT NULL UNIQUE, _createdAt TEXT NOT NULL, _updatedAt TEXT NOT NULL, _permissions TEXT NOT NULL DEFAULT '[]', ${cols.join(', ')})`),
    ...TEST_INDEXES.map((i) => db.prepare(`CREATE INDEX "${i.name}" ON ${t} (${i.columns.map((c) => `"${c.column}" ${c.direction.toUpperCase()}`).join(', ')})`)),
    db.prepare(`CREATE VIRTUAL TABLE "${FTS_TABLE}" USING fts5(f0, content='')`),
  ]);
  const names = TEST_COLUMNS.map((c) => `"c_${c.key}"`).join(', ');
  const marks = TEST_COLUMNS.map(() => '?').join(', ');
  const insert = db.prepare(`INSERT INTO ${t} (_seq, _uid, _createdAt, _updatedAt, ${names}) VALUES (?, ?, ?, ?, ${marks})`);
  const insertFts = db.prepare(`INSERT INTO "${FTS_TABLE}" (rowid, f0) VALUES (?, ?)`);
  const statements = rows.flatMap((r) => [
    insert.bind(r.$sequence, r.$id, r.$createdAt, r.$updatedAt, ...TEST_COLUMNS.map((c) => stored(r[c.key]))),
    insertFts.bind(r.$sequence, stored(r.title)),
  ]);
  for (let i = 0; i < statements.length; i += 500) await db.batch(statements.slice(i, i + 500));
}
