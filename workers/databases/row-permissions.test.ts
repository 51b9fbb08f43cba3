import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../lib/errors';
import { allowsItem, itemReadRoles, parsePermissions, permissionFilterSql } from '../lib/permissions';
import { guestPrincipal, keyPrincipal, userPrincipal } from '../lib/principal';
import { ROOT_SCOPES } from '../lib/scopes';
import { assertCanCreate, canAccessRow, readScope, resolveRowPermissions, ROW_PERMISSION_ACTIONS } from './row-permissions';
import type { TableDef } from './types';

const perms = (...list: string[]) => parsePermissions(list, ['read', 'create', 'update', 'delete']);

function table(permissions: string[], rowSecurity: boolean): TableDef {
  return {
    databaseId: 'db', id: 't', seq: 1, name: 'T', enabled: true, rowSecurity, permissions: perms(...permissions),
    sqlName: 'pt_1', permsSqlName: 'pt_1_perms', readRole: false, columns: [], relationships: [], indexes: [], createdAt: '', updatedAt: '',
  };
}

const alice = userPrincipal({ id: 'alice', emailVerification: true, phoneVerification: false, labels: ['vip'], memberships: [{ id: 'm1', teamId: 'crew', roles: ['owner'] }] }, 's', 'session');
const bob = userPrincipal({ id: 'bob', emailVerification: false, phoneVerification: false, labels: [], memberships: [] }, 's', 'session');
const guest = guestPrincipal();
const key = keyPrincipal('k', ROOT_SCOPES);

describe('row permission rules', () => {
  it('table permissions always count; row permissions only under rowSecurity', () => {
    const row = perms('read("user:bob")');
    expect(canAccessRow(bob, table([], true), row, 'read')).toBe(true);
    expect(canAccessRow(bob, table([], false), row, 'read')).toBe(false);
    expect(canAccessRow(alice, table(['read("team:crew/owner")'], false), row, 'read')).toBe(true);
    expect(canAccessRow(guest, table(['read("users")'], true), row, 'read')).toBe(false);
    expect(canAccessRow(key, table([], false), [], 'delete')).toBe(true);
    expect(allowsItem(['any'], perms('update("any")'), [], false, 'read')).toBe(false);
  });

  it('create checks only the table, with utopia\'s wording', () => {
    expect(() => assertCanCreate(bob, table(['create("users")'], false))).not.toThrow();
    const err = (() => {
      try {
        assertCanCreate(guest, table([], true));
      } catch (e) {
        return e as ApiError;
      }
    })();
    expect(err).toMatchObject({ type: 'user_unauthorized', message: "No permissions provided for action 'create'" });
    expect(() => assertCanCreate(key, table([], false))).not.toThrow();
  });

  it('defaults to the creating user, keeps existing permissions, and refuses roles not held', () => {
    expect(resolveRowPermissions(bob, undefined, null).map((p) => `${p.action}:${p.role}`)).toEqual(['read:user:bob', 'update:user:bob', 'delete:user:bob']);
    expect(resolveRowPermissions(guest, null, null)).toEqual([]);
    expect(resolveRowPermissions(key, null, null)).toEqual([]);
    const existing = perms('read("any")');
    expect(resolveRowPermissions(bob, null, existing)).toBe(existing);
    expect(() => resolveRowPermissions(bob, ['read("user:alice")'], null)).toThrow(/Permissions must be one of: \(any, users/);
    expect(() => resolveRowPermissions(guest, ['read("users")'], null)).toThrow(ApiError);
    expect(resolveRowPermissions(key, ['read("user:alice")'], null)).toHaveLength(1);
    expect(resolveRowPermissions(alice, ['write("label:vip")'], null).map((p) => p.action)).toEqual(['update', 'delete']);
    expect(() => resolveRowPermissions(alice, ['create("any")'], null)).toThrow(/not allowed/);
    expect(ROW_PERMISSION_ACTIONS).toEqual(['read', 'update', 'delete']);
  });

  it('lists: everything with table read, a filter under rowSecurity, refused otherwise', () => {
    expect(readScope(bob, table(['read("users")'], true), 'pt_1._seq')).toEqual({ all: true });
    expect(readScope(key, table([], false), 'pt_1._seq')).toEqual({ all: true });
    const scoped = readScope(bob, table([], true), 'pt_1._seq');
    expect(scoped.all).toBe(false);
    expect(() => readScope(bob, table(['read("team:x")'], false), 'pt_1._seq')).toThrow(/Missing "read" permission for role "team:x"/);
  });

  it('event roles: table readers, plus row readers under rowSecurity', () => {
    expect(itemReadRoles(perms('read("users")', 'update("any")'), perms('read("user:bob")'), true).sort()).toEqual(['user:bob', 'users']);
    expect(itemReadRoles(perms('read("users")'), perms('read("user:bob")'), false)).toEqual(['users']);
  });
});

describe('permissionFilterSql in D1', () => {
  it('keeps rows whose side table grants the action to a role, with hundreds of roles in ONE parameter', async () => {
    await env.DB.batch([
      env.DB.prepare('CREATE TABLE IF NOT EXISTS pt_1 (_seq INTEGER PRIMARY KEY, _uid TEXT)'),
      env.DB.prepare('CREATE TABLE IF NOT EXISTS pt_1_perms (_seq INTEGER, type TEXT, role TEXT, PRIMARY KEY (_seq, type, role))'),
      env.DB.prepare("INSERT INTO pt_1 VALUES (1, 'a'), (2, 'b'), (3, 'c')"),
      env.DB.prepare("INSERT INTO pt_1_perms VALUES (1, 'read', 'team:t250'), (2, 'update', 'team:t250'), (3, 'read', 'label:other')"),
    ]);
    const roles = ['any', 'users', ...Array.from({ length: 300 }, (_, i) => `team:t${i}`)];
    const filter = permissionFilterSql('pt_1_perms', 'pt_1._seq', 'read', roles);
    expect(filter.params).toHaveLength(1);
    const { results } = await env.DB.prepare(`SELECT _uid FROM pt_1 WHERE ${filter.sql} ORDER BY _seq`).bind(...filter.params).all();
    expect(results).toEqual([{ _uid: 'a' }]);
    const update = permissionFilterSql('pt_1_perms', 'pt_1._seq', 'update', roles);
    expect((await env.DB.prepare(`SELECT _uid FROM pt_1 WHERE ${update.sql}`).bind(...update.params).all()).results).toEqual([{ _uid: 'b' }]);
    expect(() => permissionFilterSql('x"; DROP TABLE y; --', 'pt_1._seq', 'read', roles)).toThrow();
  });
});
