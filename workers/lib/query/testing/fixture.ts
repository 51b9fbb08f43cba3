/**
 * A user table for query tests, shaped like the databases domain's: `_seq INTEGER PRIMARY KEY,
 * _uid TEXT UNIQUE, _createdAt, _updatedAt, _permissions` + one `c_<key>` column per column
 * (TEXT/INTEGER/REAL, booleans 0/1, arrays JSON text) + a contentless FTS5 table for `title`.
 */
import type { ColumnDef, ColumnType, IndexDef, TableDef } from '../../../databases/types';
import type { OracleRow } from './oracle';

const STAMP = '2026-01-01T00:00:00.000+00:00';

function column(key: string, type: ColumnType, array = false): ColumnDef {
  return {
    key, type, array, size: type === 'string' ? 256 : null, required: false, default: null,
    min: null, max: null, elements: null, encrypt: false, sqlName: `c_${key}`, status: 'available', createdAt: STAMP, updatedAt: STAMP,
  };
}

const FULLTEXT: IndexDef = {
  key: 'title_search', type: 'fulltext', columns: ['title'], orders: [null], lengths: [null],
  sqlName: 't_900_fts_1', status: 'available', createdAt: STAMP, updatedAt: STAMP,
};

export const TEST_TABLE: TableDef = {
  databaseId: 'db', id: 'things', seq: 900, name: 'Things', enabled: true, rowSecurity: false, permissions: [],
  sqlName: 't_900', permsSqlName: 't_900_perms',
  columns: [
    column('title', 'string'),
    column('name', 'string'),
    column('count', 'bigint'),
    column('score', 'float'),
    column('flag', 'boolean'),
    column('when', 'datetime'),
    column('tags', 'string', true),
    column('nums', 'integer', true),
  ],
  indexes: [FULLTEXT],
  createdAt: STAMP, updatedAt: STAMP,
};

const SQL_TYPE: Record<string, string> = { string: 'TEXT', bigint: 'INTEGER', integer: 'INTEGER', float: 'REAL', boolean: 'INTEGER', datetime: 'TEXT' };

/** D1 cannot bind bigint or booleans; INTEGER affinity turns decimal text back into an exact integer. */
function stored(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return JSON.stringify(value);
  return value;
}

/** Creates the table (dropping a previous one) and inserts `rows` with their `$sequence`. */
export async function createTestTable(db: D1Database, rows: OracleRow[], table: TableDef = TEST_TABLE): Promise<void> {
  const t = `"${table.sqlName}"`;
  const fts = table.indexes.find((i) => i.type === 'fulltext')!;
  const cols = table.columns.map((c) => `"${c.sqlName}" ${c.array ? 'TEXT' : SQL_TYPE[c.type]}`);
  await db.batch([
    db.prepare(`DROP TABLE IF EXISTS "${fts.sqlName}"`),
    db.prepare(`DROP TABLE IF EXISTS ${t}`),
    db.prepare(`CREATE TABLE ${t} (_seq INTEGER PRIMARY KEY AUTOINCREMENT, _uid TEXT NOT NULL UNIQUE, _createdAt TEXT NOT NULL, _updatedAt TEXT NOT NULL, _permissions TEXT NOT NULL DEFAULT '[]', ${cols.join(', ')})`),
    db.prepare(`CREATE INDEX "${table.sqlName}_count" ON ${t} ("c_count")`),
    db.prepare(`CREATE INDEX "${table.sqlName}_created" ON ${t} (_createdAt, _seq)`),
    db.prepare(`CREATE VIRTUAL TABLE "${fts.sqlName}" USING fts5(f0, content='')`),
  ]);
  const names = table.columns.map((c) => `"${c.sqlName}"`).join(', ');
  const marks = table.columns.map(() => '?').join(', ');
  const insert = db.prepare(`INSERT INTO ${t} (_seq, _uid, _createdAt, _updatedAt, ${names}) VALUES (?, ?, ?, ?, ${marks})`);
  const insertFts = db.prepare(`INSERT INTO "${fts.sqlName}" (rowid, f0) VALUES (?, ?)`);
  const statements = rows.flatMap((r) => [
    insert.bind(r.$sequence, r.$id, r.$createdAt, r.$updatedAt, ...table.columns.map((c) => stored(r[c.key]))),
    insertFts.bind(r.$sequence, stored(r[fts.columns[0]])),
  ]);
  for (let i = 0; i < statements.length; i += 500) await db.batch(statements.slice(i, i + 500));
}
