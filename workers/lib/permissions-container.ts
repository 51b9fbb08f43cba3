/**
 * Appwrite's container/item rule, once, for every domain that has one: tables and rows
 * (`rowSecurity`), buckets and files (`fileSecurity`), functions and executions (`execute`), and
 * realtime delivery of their events. The container's permissions grant an action on every item;
 * an item's own permissions count only when the container turns per-item security on. API keys
 * bypass every check. Pure: no I/O, no Hono. A domain adapts its own shapes to `Container`
 * (see workers/databases/row-permissions.ts) and keeps its Appwrite wording.
 */
import { ApiError } from './errors';
import {
  allows,
  allowsItem,
  firstUnheldRole,
  itemReadRoles,
  parsePermissions,
  permissionFilterSql,
  type ConcreteAction,
  type Permission,
  type RolesSql,
} from './permissions';
import type { Principal } from './principal';

export interface Container {
  /** The container's own permissions (a table's, a bucket's, a function's `execute` as `create`…). */
  permissions: readonly Permission[];
  /** Per-item security: `rowSecurity`, `fileSecurity`. */
  itemSecurity: boolean;
  /**
   * The items' permission side table (`(_seq, type, role)` rows, indexed for EXISTS), for list
   * filtering; only `readScope` needs it.
   */
  permsTable?: string;
  /**
   * The qualified SQL column holding each item's single read role (`itemReadRole`), when the items
   * have one: `readScope` then decides most items from it (an index can carry it) and probes the
   * side table only for items with several read roles.
   */
  readColumn?: string;
}

/** What an item's permissions may name by default (`write` expands to update + delete). */
export const ITEM_PERMISSION_ACTIONS = ['read', 'update', 'delete'] as const satisfies readonly ConcreteAction[];

const isKey = (p: Principal) => p.kind === 'key';

/**
 * The wording of utopia's Authorization validator, which Appwrite passes through as the message
 * of `user_unauthorized` when a container-level check fails.
 */
export function authorizationMessage(principal: Principal, granted: string[], action: ConcreteAction): string {
  if (granted.length === 0) return `No permissions provided for action '${action}'`;
  return `Missing "${action}" permission for role "${granted[granted.length - 1]}". Only "${JSON.stringify(principal.roles)}" scopes are allowed and "${JSON.stringify(granted)}" was given.`;
}

function refuse(principal: Principal, container: Container, action: ConcreteAction): never {
  const granted = container.permissions.filter((p) => p.action === action).map((p) => p.role);
  throw new ApiError('user_unauthorized', authorizationMessage(principal, granted, action));
}

/** Creating an item needs the container's `create` permission; items have none of their own to consult. */
export function assertCanCreate(principal: Principal, container: Container): void {
  if (!isKey(principal) && !allows(principal.roles, container.permissions, 'create')) refuse(principal, container, 'create');
}

/** May the caller do `action` to an item with these permissions? */
export function canAccess(principal: Principal, container: Container, itemPermissions: readonly Permission[], action: ConcreteAction): boolean {
  return isKey(principal) || allowsItem(principal.roles, container.permissions, itemPermissions, container.itemSecurity, action);
}

/**
 * How a list (or any read over many items) is narrowed for the caller: everything, items whose
 * side table grants `action` (an `EXISTS` condition, the roles as one JSON parameter), or
 * refused — Appwrite's `find` refuses a caller with no container grant when item security is off.
 */
export type ReadScope = { all: true } | { all: false; sql: string; params: unknown[] };

/**
 * A caller whose credential is checked in the same D1 batch as the read (identity/batch.ts): its
 * roles exist only as SQL until the batch has run. Never an API key (keys are not deferred).
 */
export interface PendingReader {
  kind: 'pending';
  roles: RolesSql;
}

export function readScope(reader: Principal | PendingReader, container: Container, seqColumn: string, action: ConcreteAction = 'read'): ReadScope {
  if (reader.kind === 'pending') return pendingReadScope(reader.roles, container, seqColumn, action);
  if (isKey(reader) || allows(reader.roles, container.permissions, action)) return { all: true };
  if (!container.itemSecurity) refuse(reader, container, action);
  return { all: false, ...permissionFilterSql(permsTableOf(container), seqColumn, action, reader.roles, readColumnFor(container, action)) };
}

/** The read-role column serves only `read`. */
const readColumnFor = (container: Container, action: ConcreteAction) => (action === 'read' ? container.readColumn : undefined);

function permsTableOf(container: Container): string {
  if (!container.permsTable) throw new Error('readScope: the container names no permission side table');
  return container.permsTable;
}

/**
 * `readScope` for roles still to be derived by SQL: the container's grant and the items' grants
 * become one condition over the roles' subquery, so the SQL keeps exactly the rows `readScope`
 * would once the caller is known. A refusal (no container grant, item security off) cannot be
 * told yet: the condition keeps nothing, and the caller must call `readScope` with the principal
 * after the batch (`assertMayRead`), which throws Appwrite's error.
 */
function pendingReadScope(roles: RolesSql, container: Container, seqColumn: string, action: ConcreteAction): ReadScope {
  const granted = container.permissions.filter((p) => p.action === action).map((p) => p.role);
  if (granted.includes('any')) return { all: true };
  const parts: { sql: string; params: unknown[] }[] = [];
  if (granted.length > 0) {
    // Uncorrelated: SQLite evaluates it once per statement, not per row.
    parts.push({ sql: `EXISTS (SELECT 1 FROM (${roles.sql}) WHERE value IN (SELECT value FROM json_each(?)))`, params: [...roles.params, JSON.stringify(granted)] });
  }
  if (container.itemSecurity) parts.push(permissionFilterSql(permsTableOf(container), seqColumn, action, roles, readColumnFor(container, action)));
  if (parts.length === 0) return { all: false, sql: '0', params: [] };
  return { all: false, sql: parts.map((p) => `(${p.sql})`).join(' OR '), params: parts.flatMap((p) => p.params) };
}

/** After a pending read: refuses the caller when `readScope` would have (no grant, item security off). */
export function assertMayRead(principal: Principal, container: Container, action: ConcreteAction = 'read'): void {
  if (isKey(principal) || container.itemSecurity || allows(principal.roles, container.permissions, action)) return;
  refuse(principal, container, action);
}

/**
 * The permissions a written item ends up with. `requested` null/undefined means "not sent": a new
 * item then gets every action in `actions` for `user:<id>` of a signed-in creator (nothing for
 * guests and keys) and an existing item keeps its own. A non-key caller may only name roles it
 * holds (`user_unauthorized`, "Permissions must be one of: (…)").
 */
export function resolveItemPermissions(
  principal: Principal,
  requested: string[] | null | undefined,
  existing: Permission[] | null,
  actions: readonly ConcreteAction[] = ITEM_PERMISSION_ACTIONS,
): Permission[] {
  if ((requested === null || requested === undefined) && existing) return existing;
  const perms = newItemPermissions(principal.kind === 'user' ? principal.userId : null, requested, actions);
  if (!isKey(principal) && firstUnheldRole(principal.roles, perms) !== null) {
    throw new ApiError('user_unauthorized', `Permissions must be one of: (${principal.roles.join(', ')})`);
  }
  return perms;
}

/**
 * A new item's permissions before the held-role rule: as sent, or, when none are sent, every
 * action in `actions` for `user:<creator>` (nothing without a signed-in creator).
 */
export function newItemPermissions(creatorUserId: string | null, requested: string[] | null | undefined, actions: readonly ConcreteAction[] = ITEM_PERMISSION_ACTIONS): Permission[] {
  if (requested !== null && requested !== undefined) return parsePermissions(requested, actions);
  return creatorUserId === null ? [] : actions.map((action) => ({ action, role: `user:${creatorUserId}` }));
}

/**
 * `assertCanCreate` and the held-role rule of `resolveItemPermissions`, for a caller whose roles
 * are still SQL (a write riding in its caller's credential batch, identity/batch.ts): a condition
 * true only when the roles hold one of the container's `create` roles and, when permissions were
 * sent (`granted`), every role they name. False is not an answer: the caller must decide again
 * with its principal, once known, to find Appwrite's error.
 */
export function pendingCreateSql(roles: RolesSql, container: Container, granted: readonly Permission[] | null): { sql: string; params: unknown[] } {
  const creators = container.permissions.filter((p) => p.action === 'create').map((p) => p.role);
  if (creators.length === 0) return { sql: '0', params: [] };
  const parts: { sql: string; params: unknown[] }[] = [];
  if (!creators.includes('any')) {
    parts.push({ sql: `EXISTS (SELECT 1 FROM (${roles.sql}) WHERE value IN (SELECT value FROM json_each(?)))`, params: [...roles.params, JSON.stringify(creators)] });
  }
  const named = [...new Set((granted ?? []).map((p) => p.role))];
  if (named.length > 0) {
    parts.push({
      sql: `NOT EXISTS (SELECT 1 FROM json_each(?) AS _g WHERE _g.value NOT IN (SELECT value FROM (${roles.sql})))`,
      params: [JSON.stringify(named), ...roles.params],
    });
  }
  if (parts.length === 0) return { sql: '1', params: [] };
  return { sql: parts.map((p) => `(${p.sql})`).join(' AND '), params: parts.flatMap((p) => p.params) };
}

/** The roles an event about this item goes to (realtime delivery, function triggers). */
export function itemEventRoles(container: Container, itemPermissions: readonly Permission[]): string[] {
  return itemReadRoles(container.permissions, itemPermissions, container.itemSecurity);
}

/** `[[type, role], …]` as one JSON parameter, for filling a side table with json_each. */
export function permissionRowsJson(perms: readonly Permission[]): string {
  return JSON.stringify(perms.map((p) => [p.action, p.role]));
}

/**
 * What an item's read-role column holds (`Container.readColumn`): the role of its only `read`
 * permission, '' when it has none, null when it has several (then only the side table can tell).
 */
export function itemReadRole(perms: readonly Permission[]): string | null {
  const roles = new Set(perms.filter((p) => p.action === 'read').map((p) => p.role));
  if (roles.size === 0) return '';
  return roles.size === 1 ? [...roles][0] : null;
}
