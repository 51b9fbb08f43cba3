import { describe, expect, it } from 'vitest';
import { ApiError } from './errors';
import { parsePermissions } from './permissions';
import { assertCanCreate, canAccess, itemEventRoles, readScope, resolveItemPermissions, type Container } from './permissions-container';
import { guestPrincipal, keyPrincipal, userPrincipal } from './principal';

// The rule is domain-free: a bucket with fileSecurity, as storage will use it.
const perms = (...list: string[]) => parsePermissions(list, ['read', 'create', 'update', 'delete']);
const bucket = (permissions: string[], fileSecurity: boolean): Container => ({ permissions: perms(...permissions), itemSecurity: fileSecurity, permsTable: 'files_perms' });
const alice = userPrincipal({ id: 'alice', emailVerification: true, phoneVerification: false, labels: [], memberships: [] }, 's1', 'session');
const bob = userPrincipal({ id: 'bob', emailVerification: false, phoneVerification: false, labels: [], memberships: [] }, 's2', 'session');
const key = keyPrincipal('k', new Set());
const refused = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof ApiError ? err.type : 'other';
  }
  return 'allowed';
};

describe('container/item rule', () => {
  it('create needs the container grant; keys bypass; a stranger is refused', () => {
    const b = bucket(['create("user:alice")'], true);
    expect(refused(() => assertCanCreate(alice, b))).toBe('allowed');
    expect(refused(() => assertCanCreate(bob, b))).toBe('user_unauthorized');
    expect(refused(() => assertCanCreate(guestPrincipal(), b))).toBe('user_unauthorized');
    expect(refused(() => assertCanCreate(key, b))).toBe('allowed');
  });

  it('item permissions count only with item security on', () => {
    const file = perms('read("user:bob")');
    expect(canAccess(bob, bucket([], true), file, 'read')).toBe(true);
    expect(canAccess(bob, bucket([], false), file, 'read')).toBe(false);
    expect(canAccess(alice, bucket([], true), file, 'read')).toBe(false);
    expect(canAccess(alice, bucket(['read("users")'], false), [], 'read')).toBe(true);
  });

  it('readScope: all, a side-table filter, or refused', () => {
    expect(readScope(alice, bucket(['read("any")'], false), 'f._seq')).toEqual({ all: true });
    const scoped = readScope(bob, bucket([], true), 'f._seq');
    expect(scoped.all).toBe(false);
    expect(!scoped.all && scoped.sql).toContain('"files_perms"');
    expect(refused(() => readScope(bob, bucket([], false), 'f._seq'))).toBe('user_unauthorized');
  });

  it('resolveItemPermissions: creator defaults, held roles only', () => {
    expect(resolveItemPermissions(alice, undefined, null).map((p) => `${p.action}:${p.role}`)).toEqual(['read:user:alice', 'update:user:alice', 'delete:user:alice']);
    expect(resolveItemPermissions(guestPrincipal(), undefined, null)).toEqual([]);
    expect(refused(() => resolveItemPermissions(bob, ['read("user:alice")'], null))).toBe('user_unauthorized');
    expect(resolveItemPermissions(key, ['read("user:alice")'], null)).toEqual([{ action: 'read', role: 'user:alice' }]);
  });

  it('event roles follow the same switch', () => {
    expect(itemEventRoles(bucket(['read("users")'], true), perms('read("user:bob")')).sort()).toEqual(['user:bob', 'users']);
    expect(itemEventRoles(bucket(['read("users")'], false), perms('read("user:bob")'))).toEqual(['users']);
  });
});
