/**
 * Appwrite's permission rules for rows, expressed with the one evaluator (lib/permissions):
 * table permissions first; a row's own permissions count only when the table has rowSecurity.
 * API keys bypass every check. Pure: no I/O.
 */
import { ApiError } from '../lib/errors';
import {
  allows,
  allowsItem,
  firstUnheldRole,
  itemReadRoles,
  parsePermissions,
  permissionFilterSql,
  type ConcreteAction,
  type Permission,
} from '../lib/permissions';
import type { Principal } from '../lib/principal';
import type { TableDef } from './types';

/** What a row's permissions may name (`write` expands to update + delete). */
export const ROW_PERMISSION_ACTIONS = ['read', 'update', 'delete'] as const satisfies readonly ConcreteAction[];

const isKey = (p: Principal) => p.kind === 'key';

/**
 * The wording of utopia's Authorization validator, which Appwrite passes through as the message
 * of `user_unauthorized` when a table-level check fails.
 */
function authorizationMessage(principal: Principal, granted: string[], action: ConcreteAction): string {
  if (granted.length === 0) return `No permissions provided for action '${action}'`;
  return `Missing "${action}" permission for role "${granted[granted.length - 1]}". Only "${JSON.stringify(principal.roles)}" scopes are allowed and "${JSON.stringify(granted)}" was given.`;
}

/** Creating needs the table's `create` permission; rows have none of their own to consult. */
export function assertCanCreate(principal: Principal, table: TableDef): void {
  if (isKey(principal) || allows(principal.roles, table.permissions, 'create')) return;
  const granted = table.permissions.filter((p) => p.action === 'create').map((p) => p.role);
  throw new ApiError('user_unauthorized', authorizationMessage(principal, granted, 'create'));
}

/** May the caller do `action` to a row with these permissions? */
export function canAccessRow(principal: Principal, table: TableDef, rowPermissions: readonly Permission[], action: ConcreteAction): boolean {
  return isKey(principal) || allowsItem(principal.roles, table.permissions, rowPermissions, table.rowSecurity, action);
}

/**
 * How a list (or any read over many rows) is narrowed for the caller: everything, rows whose side
 * table grants `read` (an `EXISTS` condition with the roles as one JSON parameter), or refused —
 * Appwrite's `find` refuses a caller with no table read when rowSecurity is off.
 */
export type ReadScope = { all: true } | { all: false; sql: string; params: [string] };

export function readScope(principal: Principal, table: TableDef, seqColumn: string, action: ConcreteAction = 'read'): ReadScope {
  if (isKey(principal) || allows(principal.roles, table.permissions, action)) return { all: true };
  if (!table.rowSecurity) {
    const granted = table.permissions.filter((p) => p.action === action).map((p) => p.role);
    throw new ApiError('user_unauthorized', authorizationMessage(principal, granted, action));
  }
  const filter = permissionFilterSql(table.permsSqlName, seqColumn, action, principal.roles);
  return { all: false, sql: filter.sql, params: filter.params };
}

/**
 * The permissions a written row ends up with. `requested` null/undefined means "not sent": a new
 * row then gets `read/update/delete("user:<id>")` for a signed-in creator (nothing for guests and
 * keys) and an existing row keeps its own. A non-key caller may only name roles it holds
 * (`user_unauthorized`, "Permissions must be one of: (…)").
 */
export function resolveRowPermissions(
  principal: Principal,
  requested: string[] | null | undefined,
  existing: Permission[] | null,
): Permission[] {
  let perms: Permission[];
  if (requested === null || requested === undefined) {
    if (existing) return existing;
    perms =
      principal.kind === 'user'
        ? ROW_PERMISSION_ACTIONS.map((action) => ({ action, role: `user:${principal.userId}` }))
        : [];
  } else {
    perms = parsePermissions(requested, ROW_PERMISSION_ACTIONS);
  }
  if (!isKey(principal) && firstUnheldRole(principal.roles, perms) !== null) {
    throw new ApiError('user_unauthorized', `Permissions must be one of: (${principal.roles.join(', ')})`);
  }
  return perms;
}

/** The roles a realtime event about this row goes to. */
export function rowEventRoles(table: TableDef, rowPermissions: readonly Permission[]): string[] {
  return itemReadRoles(table.permissions, rowPermissions, table.rowSecurity);
}

/** `[[type, role], …]` as one JSON parameter, for filling the side table with json_each. */
export function permissionRowsJson(perms: readonly Permission[]): string {
  return JSON.stringify(perms.map((p) => [p.action, p.role]));
}
