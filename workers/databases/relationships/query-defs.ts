/**
 * The related tables a list's filters reach through relationships (`author.name`,
 * `author.books.title`): their definitions are needed to type and compile those filters, so they
 * are loaded fresh before the list's batch — one round trip per table, only for lists that name
 * a dotted attribute. Lists without one pay nothing.
 */
import type { RowApi } from '../row-values';
import { loadFresh, type TableRef } from '../table-cache';
import type { TableDef } from '../types';
import { visibleRelation } from './defs';
import { MAX_DEPTH } from './read';

/** Related definitions by table id, and the same by SQL table name (how the compiler names them). */
export interface RelatedDefs {
  byId: Map<string, TableDef>;
  bySqlName: Map<string, TableDef>;
}

/** The relationship paths (`['author']`, `['author', 'books']`) that filter attributes cross; none for plain ones. */
export function dottedPaths(queries: readonly string[]): string[][] {
  const paths: string[][] = [];
  const visit = (node: unknown, depth: number) => {
    if (!node || typeof node !== 'object' || depth > 6) return;
    const { method, attribute, values } = node as { method?: unknown; attribute?: unknown; values?: unknown };
    if ((method === 'and' || method === 'or') && Array.isArray(values)) values.forEach((v) => visit(v, depth + 1));
    else if (method !== 'select' && typeof attribute === 'string' && attribute.includes('.')) paths.push(attribute.split('.').slice(0, -1).slice(0, MAX_DEPTH));
  };
  for (const text of queries) {
    try {
      visit(JSON.parse(text), 0);
    } catch {
      // The query parser reports it.
    }
  }
  return paths;
}

/**
 * Loads what `queries` need (undefined when no filter crosses a relationship). Unknown keys are
 * left for the query parser to refuse with Appwrite's message.
 */
export async function relatedDefsFor(db: D1Database, ref: TableRef, api: RowApi, queries: readonly string[]): Promise<RelatedDefs | undefined> {
  const paths = dottedPaths(queries);
  if (paths.length === 0) return undefined;
  const byId = new Map<string, TableDef>();
  const loading = new Map<string, Promise<TableDef>>();
  const load = (tableId: string) => {
    let p = loading.get(tableId);
    if (!p) {
      p = loadFresh(db, { databaseId: ref.databaseId, tableId, flavor: api.flavor }).then((s) => s.table);
      loading.set(tableId, p);
    }
    return p;
  };
  const root = await load(ref.tableId);
  await Promise.all(
    paths.map(async (path) => {
      let at = root;
      for (const key of path) {
        const rel = visibleRelation(at.relationships, key);
        if (!rel) return;
        at = await load(rel.relatedTableId);
        byId.set(at.id, at);
      }
    }),
  );
  return { byId, bySqlName: new Map([...byId.values()].map((t) => [t.sqlName, t])) };
}
