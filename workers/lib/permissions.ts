/**
 * The one permission evaluator. Permission strings look like `read("user:abc")`; a principal may
 * act when one of its roles matches a permission of that action. API keys bypass this entirely
 * (callers check `principal.kind === 'key'` first). Pure: no I/O, no Hono.
 */
import { fail } from './errors';

export const ACTIONS = ['read', 'create', 'update', 'delete', 'write'] as const;
export type Action = (typeof ACTIONS)[number];
export type ConcreteAction = Exclude<Action, 'write'>;

export interface Permission {
  action: ConcreteAction;
  role: string;
}

const PERMISSION = /^(read|create|update|delete|write)\("([^"]+)"\)$/;
const ID = '[a-zA-Z0-9][a-zA-Z0-9._-]{0,35}';
const ROLE = new RegExp(
  `^(any|guests|users(/(verified|unverified))?|user:${ID}(/(verified|unverified))?|team:${ID}(/[a-zA-Z0-9._-]{1,81})?|member:${ID}|label:[a-zA-Z0-9]{1,36})$`,
);

export function isValidRole(role: string): boolean {
  return ROLE.test(role);
}

/**
 * Parses and checks permission strings. `write` expands to the concrete actions in `allowed`
 * (as Appwrite aliases it). Invalid strings or actions outside `allowed` are refused with a
 * `general_argument_invalid` that names the bad value.
 */
export function parsePermissions(list: string[], allowed: readonly ConcreteAction[]): Permission[] {
  const out: Permission[] = [];
  const seen = new Set<string>();
  for (const raw of list) {
    const m = PERMISSION.exec(raw);
    if (!m || !isValidRole(m[2])) {
      fail('general_argument_invalid', `Invalid \`permissions\` param: Permission "${raw}" is not valid.`);
    }
    const action = m[1] as Action;
    const expanded: ConcreteAction[] =
      action === 'write' ? allowed.filter((a) => a !== 'read' ) : [action as ConcreteAction];
    if (action !== 'write' && !allowed.includes(action as ConcreteAction)) {
      fail('general_argument_invalid', `Invalid \`permissions\` param: Permission "${action}" is not allowed here. Must be one of: ${allowed.join(', ')}.`);
    }
    for (const a of expanded) {
      const key = `${a}("${m[2]}")`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push({ action: a, role: m[2] });
      }
    }
  }
  return out;
}

export function formatPermissions(perms: Permission[]): string[] {
  return perms.map((p) => `${p.action}("${p.role}")`);
}

/** Does one of `roles` hold `action` among `permissions`? */
export function allows(roles: readonly string[], permissions: readonly Permission[], action: ConcreteAction): boolean {
  for (const p of permissions) if (p.action === action && roles.includes(p.role)) return true;
  return false;
}

/**
 * Appwrite's rule for non-key callers granting permissions: every role named must be one the
 * caller holds (roles like `users` or `any` included when held). Returns the first refused role.
 */
export function firstUnheldRole(roles: readonly string[], permissions: readonly Permission[]): string | null {
  for (const p of permissions) if (!roles.includes(p.role)) return p.role;
  return null;
}

/**
 * May a holder of `roles` receive what `readers` may read (an event's roles, from `itemEventRoles`)?
 * `any` among the readers opens it to everyone, whatever roles the holder carries.
 */
export function mayReceive(roles: readonly string[], readers: readonly string[]): boolean {
  return readers.includes('any') || roles.some((r) => readers.includes(r));
}

/** The roles that may read a resource, for realtime event ACLs. */
export function readRoles(permissions: readonly Permission[]): string[] {
  return [...new Set(permissions.filter((p) => p.action === 'read').map((p) => p.role))];
}

/**
 * Appwrite's two-level rule for tables/buckets and their rows/files: the container's permission
 * grants the action on every item; the item's own permissions count only when per-item security
 * (`rowSecurity`, `fileSecurity`) is on.
 */
export function allowsItem(
  roles: readonly string[],
  container: readonly Permission[],
  item: readonly Permission[],
  itemSecurity: boolean,
  action: ConcreteAction,
): boolean {
  return allows(roles, container, action) || (itemSecurity && allows(roles, item, action));
}

/** Who may read an item, for realtime ACLs: the container's readers, plus the item's when per-item security is on. */
export function itemReadRoles(container: readonly Permission[], item: readonly Permission[], itemSecurity: boolean): string[] {
  return readRoles(itemSecurity ? [...container, ...item] : container);
}

const SQL_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/**
 * A caller's roles computed by SQL in the same D1 batch that checks its credential: a SELECT
 * yielding one column, `value`, one row per role (identity/roles-sql.ts). Lets a read be built
 * before the caller is known; the caller's real roles are compared with it afterwards.
 */
export interface RolesSql {
  sql: string;
  params: unknown[];
}

/** `roles` as SQL that lists them (one JSON parameter for a known list). */
export function rolesListSql(roles: readonly string[] | RolesSql): RolesSql {
  return Array.isArray(roles) ? { sql: 'SELECT value FROM json_each(?)', params: [JSON.stringify(roles)] } : (roles as RolesSql);
}

/**
 * The list-side twin of `allowsItem` for per-item permissions: a SQL condition that keeps only
 * items whose permission side table (`(_seq, type, role)`) grants `action` to one of `roles`.
 * Known roles travel as ONE JSON parameter read with json_each, so callers with many memberships
 * stay far from D1's 100-bound-parameter limit; roles still to be derived (`RolesSql`) are read
 * from their subquery. With `readColumn` (the item's single read role, '' for none, NULL for
 * several; see permissions-container `itemReadRole`) an item with at most one read role is decided
 * from that column — which an index can carry, so a count never leaves the index — and only items
 * with several are probed. `permsTable`, `seqColumn` and `readColumn` are internal names (never
 * request input); they are checked anyway.
 */
export function permissionFilterSql(
  permsTable: string,
  seqColumn: string,
  action: ConcreteAction,
  roles: readonly string[] | RolesSql,
  readColumn?: string,
): { sql: string; params: unknown[] } {
  if (!SQL_NAME.test(permsTable) || !SQL_NAME.test(seqColumn) || (readColumn !== undefined && !SQL_NAME.test(readColumn))) {
    throw new Error(`Bad SQL name: ${permsTable} / ${seqColumn} / ${readColumn}`);
  }
  const list = rolesListSql(roles);
  // The unary `+` keeps SQLite from probing the (type, role, _seq) index once per role: one
  // primary-key seek on (_seq, type) reads the row's few grants instead, so the cost per row stays
  // flat however many roles (teams, labels) the caller holds — 17× cheaper at 40 roles.
  const probe = `EXISTS (SELECT 1 FROM "${permsTable}" AS _perm WHERE _perm._seq = ${seqColumn} AND _perm.type = '${action}' AND +_perm.role IN (${list.sql}))`;
  if (!readColumn) return { sql: probe, params: [...list.params] };
  return {
    sql: `(${readColumn} IN (${list.sql}) OR (${readColumn} IS NULL AND ${probe}))`,
    params: [...list.params, ...list.params],
  };
}
