/**
 * Rows under Appwrite's container/item rule (lib/permissions-container): a table is the
 * container, `rowSecurity` its per-item switch, `t_<seq>_perms` its side table. This file only
 * adapts TableDef; the rule lives in lib.
 */
import {
  assertCanCreate as assertCanCreateItem,
  assertMayRead as assertMayReadItems,
  canAccess,
  ITEM_PERMISSION_ACTIONS,
  itemEventRoles,
  readScope as containerReadScope,
  resolveItemPermissions,
  type Container,
  type PendingReader,
  type ReadScope,
} from '../lib/permissions-container';
import { ApiError } from '../lib/errors';
import type { ConcreteAction, Permission } from '../lib/permissions';
import type { Principal } from '../lib/principal';
import { READ_ROLE_COLUMN } from './schema-sql';
import type { TableDef } from './types';

export { itemReadRole, permissionRowsJson, type ReadScope } from '../lib/permissions-container';

/** What a row's permissions may name (`write` expands to update + delete). */
export const ROW_PERMISSION_ACTIONS = ITEM_PERMISSION_ACTIONS;

const containers = new WeakMap<TableDef, Container>();

/** The table as a permission container (cached per definition object: the table cache reuses them). */
export function tableContainer(table: TableDef): Container {
  let c = containers.get(table);
  if (!c) {
    c = {
      permissions: table.permissions,
      itemSecurity: table.rowSecurity,
      permsTable: table.permsSqlName,
      readColumn: table.readRole ? `${table.sqlName}.${READ_ROLE_COLUMN}` : undefined,
    };
    containers.set(table, c);
  }
  return c;
}

export function assertCanCreate(principal: Principal, table: TableDef): void {
  assertCanCreateItem(principal, tableContainer(table));
}

export function canAccessRow(principal: Principal, table: TableDef, rowPermissions: readonly Permission[], action: ConcreteAction): boolean {
  return canAccess(principal, tableContainer(table), rowPermissions, action);
}

export function readScope(reader: Principal | PendingReader, table: TableDef, seqColumn: string, action: ConcreteAction = 'read'): ReadScope {
  return containerReadScope(reader, tableContainer(table), seqColumn, action);
}

/**
 * The rows of a related table a reader may see, as SQL over `alias` (null: all), for filters on
 * related columns (`author.name`): a disabled table shows nothing to non-keys, and a reader the
 * table refuses outright sees nothing rather than an error — the filter then matches no row, so it
 * tells a stranger nothing about rows it cannot read.
 */
export function relatedReadScope(reader: Principal | PendingReader, table: TableDef, alias: string): { sql: string; params: unknown[] } | null {
  const none = { sql: '0', params: [] };
  if (reader.kind !== 'key' && !table.enabled) return none;
  const container: Container = { ...tableContainer(table), readColumn: table.readRole ? `${alias}.${READ_ROLE_COLUMN}` : undefined };
  try {
    const scope = containerReadScope(reader, container, `${alias}._seq`);
    return scope.all ? null : { sql: scope.sql, params: scope.params };
  } catch (e) {
    if (e instanceof ApiError) return none;
    throw e;
  }
}

/** After a read built for a pending caller: the refusal `readScope` would have thrown. */
export function assertMayRead(principal: Principal, table: TableDef, action: ConcreteAction = 'read'): void {
  assertMayReadItems(principal, tableContainer(table), action);
}

export function resolveRowPermissions(principal: Principal, requested: string[] | null | undefined, existing: Permission[] | null): Permission[] {
  return resolveItemPermissions(principal, requested, existing, ROW_PERMISSION_ACTIONS);
}

export function rowEventRoles(table: TableDef, rowPermissions: readonly Permission[]): string[] {
  return itemEventRoles(tableContainer(table), rowPermissions);
}
