/**
 * DDL of link tables. Pure: SQL text only. `r_<seq>` holds one row per link, `(p, c)` = (parent
 * row id, child row id); a side that holds one related row gets a UNIQUE index on its own
 * column, so the database itself keeps a manyToOne post to one author, a oneToOne pair to one
 * each, and `INSERT OR REPLACE` moves a link instead of doubling it.
 */
import { ident } from '../schema-sql';
import { linkTableName, type RelationType } from './types';

export function createLinkTableSql(relationSeq: number, type: RelationType): string[] {
  const t = ident(linkTableName(relationSeq));
  const name = (suffix: string) => ident(`${linkTableName(relationSeq)}_${suffix}`);
  const sql = [`CREATE TABLE ${t} (p TEXT NOT NULL, c TEXT NOT NULL, PRIMARY KEY (p, c)) WITHOUT ROWID`];
  // Parent side single-valued (oneToOne, manyToOne): one link per parent row.
  if (type === 'oneToOne' || type === 'manyToOne') sql.push(`CREATE UNIQUE INDEX ${name('p')} ON ${t} (p)`);
  // Child side single-valued (oneToOne, oneToMany): one link per child row.
  if (type === 'oneToOne' || type === 'oneToMany') sql.push(`CREATE UNIQUE INDEX ${name('c')} ON ${t} (c)`);
  else sql.push(`CREATE INDEX ${name('c')} ON ${t} (c, p)`);
  return sql;
}

export function dropLinkTableSql(relationSeq: number): string {
  return `DROP TABLE IF EXISTS ${ident(linkTableName(relationSeq))}`;
}
