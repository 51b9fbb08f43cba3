/**
 * Columns and indexes given inline to createTable/createCollection: checked with the same rules
 * as their own endpoints, then created in the table's own batch so the table appears whole or
 * not at all.
 */
import { z } from 'zod';
import { ApiError } from '../lib/errors';
import { checkColumn, COLUMN_TYPES, createColumnSchema, keyParam, orderParam, type ColumnSpec } from './column-rules';
import { checkNewColumn, columnStatements } from './column-store';
import type { Flavor } from './flavor';
import { buildIndexDef, checkIndex, indexStatements, type IndexInput } from './index-store';
import { nextSeq } from './schema-store';
import { columnSqlName } from './schema-sql';
import type { ColumnType } from './types';

function invalid(what: string, position: number, error: z.ZodError): never {
  const issue = error.issues[0];
  const field = issue?.path.length ? String(issue.path[0]) : what;
  throw new ApiError('general_argument_invalid', `Invalid \`${what}\` param: item ${position}: \`${field}\` ${issue?.message ?? 'is invalid'}`);
}

export function parseInlineColumns(flavor: Flavor, raw: Record<string, unknown>[]): ColumnSpec[] {
  const what = flavor === 'tablesdb' ? 'columns' : 'attributes';
  return raw.map((item, position) => {
    // Appwrite's inline definitions name floats by their storage type.
    const type = item.type === 'double' ? 'float' : item.type;
    if (!(COLUMN_TYPES as readonly unknown[]).includes(type)) {
      throw new ApiError('general_argument_invalid', `Invalid \`${what}\` param: item ${position}: type "${String(item.type)}" is not supported`);
    }
    const schema = createColumnSchema(type as ColumnType).extend({ required: z.boolean().optional().default(false) });
    const parsed = schema.safeParse(item);
    if (!parsed.success) invalid(what, position, parsed.error);
    return checkColumn(flavor, { ...parsed.data, type: type as ColumnType });
  });
}

const inlineIndex = z.object({
  key: keyParam,
  type: z.enum(['key', 'unique', 'fulltext']),
  attributes: z.array(z.string().max(64)).max(100).optional(),
  columns: z.array(z.string().max(64)).max(100).optional(),
  orders: z.array(orderParam).max(100).nullish(),
  lengths: z.array(z.number().int().nullable()).max(100).nullish(),
});

export function parseInlineIndexes(flavor: Flavor, raw: Record<string, unknown>[]): IndexInput[] {
  return raw.map((item, position) => {
    const parsed = inlineIndex.safeParse(item);
    if (!parsed.success) invalid('indexes', position, parsed.error);
    const i = parsed.data;
    return { key: i.key, type: i.type, columns: i.attributes ?? i.columns ?? [], orders: i.orders ?? [], lengths: i.lengths ?? [] };
  });
}

/** The statements that add the inline columns and indexes to table `tableSeq`, a new table (current layout). */
export function inlineSchema(db: D1Database, flavor: Flavor, tableId: string, columns: ColumnSpec[], indexes: IndexInput[]) {
  return async (tableSeq: number, now: string): Promise<D1PreparedStatement[]> => {
    const statements: D1PreparedStatement[] = [];
    const created: ColumnSpec[] = [];
    for (const spec of columns) {
      checkNewColumn(flavor, tableId, created, spec);
      created.push(spec);
      statements.push(...columnStatements(db, tableSeq, { ...spec, sqlName: columnSqlName(spec.key), status: 'available', createdAt: now, updatedAt: now }));
    }
    if (indexes.length === 0) return statements;
    let seq = await nextSeq(db, 'indexes');
    const made: { key: string }[] = [];
    for (const input of indexes) {
      checkIndex(flavor, tableId, created, made, input);
      const index = buildIndexDef(tableSeq, seq, input, now);
      statements.push(...indexStatements(db, tableSeq, seq, index, true));
      made.push(index);
      seq++;
    }
    return statements;
  };
}
