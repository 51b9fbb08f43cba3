/**
 * Appwrite's response models for the schema: Database, Table/Collection, Column and Attribute models,
 * ColumnIndex/Index. One shape per model; the flavor picks the TablesDB or legacy field names.
 * Integer bounds may be `bigint` — send these through big-json's `jsonBig`.
 */
import { formatPermissions } from '../lib/permissions';
import { columnWidth, MAX_ROW_BYTES } from './column-rules';
import type { Flavor } from './flavor';
import type { DatabaseDef } from './schema-store';
import type { ColumnDef, IndexDef, TableDef } from './types';
import { relationColumnModel } from './relationships/model';

export function databaseModel(d: DatabaseDef) {
  return { $id: d.id, name: d.name, $createdAt: d.createdAt, $updatedAt: d.updatedAt, enabled: d.enabled, type: d.type };
}

/** Appwrite's internal type and format for each column type (email/enum/ip/url are formatted strings). */
export const WIRE_TYPES: Record<ColumnDef['type'], { type: string; format?: string }> = {
  string: { type: 'string' }, varchar: { type: 'varchar' }, text: { type: 'text' },
  mediumtext: { type: 'mediumtext' }, longtext: { type: 'longtext' },
  integer: { type: 'integer' }, bigint: { type: 'bigint' }, float: { type: 'double' }, boolean: { type: 'boolean' },
  datetime: { type: 'datetime', format: 'datetime' },
  email: { type: 'string', format: 'email' }, enum: { type: 'string', format: 'enum' },
  ip: { type: 'string', format: 'ip' }, url: { type: 'string', format: 'url' },
};

export function columnModel(c: ColumnDef) {
  const wire = WIRE_TYPES[c.type];
  const base = {
    key: c.key,
    type: wire.type,
    status: c.status,
    error: '',
    required: c.required,
    array: c.array,
    $createdAt: c.createdAt,
    $updatedAt: c.updatedAt,
  };
  switch (c.type) {
    case 'string':
    case 'varchar':
      return { ...base, size: c.size, default: c.default, encrypt: c.encrypt };
    case 'text':
    case 'mediumtext':
    case 'longtext':
      return { ...base, default: c.default, encrypt: c.encrypt };
    case 'integer':
    case 'bigint':
    case 'float':
      return { ...base, min: c.min, max: c.max, default: c.default };
    case 'boolean':
      return { ...base, default: c.default };
    case 'enum':
      return { ...base, elements: c.elements ?? [], format: wire.format, default: c.default };
    default:
      return { ...base, format: wire.format, default: c.default };
  }
}

export function indexModel(i: IndexDef, flavor: Flavor) {
  return {
    $id: i.key,
    $createdAt: i.createdAt,
    $updatedAt: i.updatedAt,
    key: i.key,
    type: i.type,
    status: i.status,
    error: '',
    [flavor === 'tablesdb' ? 'columns' : 'attributes']: i.columns,
    lengths: i.lengths,
    orders: i.orders,
  };
}

export function tableModel(t: TableDef, flavor: Flavor) {
  const tables = flavor === 'tablesdb';
  return {
    $id: t.id,
    $createdAt: t.createdAt,
    $updatedAt: t.updatedAt,
    $permissions: formatPermissions(t.permissions),
    databaseId: t.databaseId,
    name: t.name,
    enabled: t.enabled,
    [tables ? 'rowSecurity' : 'documentSecurity']: t.rowSecurity,
    [tables ? 'columns' : 'attributes']: [...t.columns.map(columnModel), ...t.relationships.filter((r) => r.visible).map((r) => relationColumnModel(r, flavor))],
    indexes: t.indexes.map((i) => indexModel(i, flavor)),
    bytesMax: MAX_ROW_BYTES,
    bytesUsed: t.columns.reduce((sum, c) => sum + columnWidth({ type: c.type, size: c.size ?? 0, array: c.array }), 0),
  };
}
