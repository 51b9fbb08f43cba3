import { describe, expect, it } from 'vitest';
import { ApiError, toApiError } from './errors';
import { isValidId, resolveId, uniqueId } from './ids';
import { parseDate, toAppwriteDate } from './time';
import { allows, firstUnheldRole, formatPermissions, isValidRole, parsePermissions, readRoles } from './permissions';
import { foldBrackets } from './validator';
import { userRoles } from './principal';

describe('errors', () => {
  it('takes status and message from the catalogue and fills placeholders', () => {
    const err = new ApiError('row_not_found', undefined, 'r1');
    expect(err.toJSON()).toEqual({ message: "Row with the requested ID 'r1' could not be found.", code: 404, type: 'row_not_found', version: '1.9.6' });
  });
  it('hides unknown errors behind general_unknown', () => {
    const err = toApiError(new Error('secret internals'));
    expect(err.toJSON()).toMatchObject({ code: 500, type: 'general_unknown', message: 'Server Error' });
  });
});

describe('ids', () => {
  it('makes 20-hex ids like the SDKs ID.unique()', () => {
    const id = uniqueId();
    expect(id).toMatch(/^[0-9a-f]{20}$/);
    expect(uniqueId()).not.toBe(id);
  });
  it('accepts unique() and valid custom ids, refuses the rest', () => {
    expect(resolveId('unique()')).toMatch(/^[0-9a-f]{20}$/);
    expect(resolveId('abc.D-9_x')).toBe('abc.D-9_x');
    expect(isValidId('a'.repeat(36))).toBe(true);
    for (const bad of ['', '_lead', '.lead', '-lead', 'a'.repeat(37), 'has space', 'ümlaut', 'a/b']) {
      expect(() => resolveId(bad), bad).toThrowError(expect.objectContaining({ type: 'general_argument_invalid' }));
    }
  });
});

describe('time', () => {
  it('formats Appwrite datetimes', () => {
    expect(toAppwriteDate(Date.UTC(2020, 9, 15, 6, 38, 0, 7))).toBe('2020-10-15T06:38:00.007+00:00');
  });
  it('parses ISO-8601 with offsets and refuses garbage', () => {
    expect(parseDate('2020-10-15T08:38:00.000+02:00')).toBe(Date.UTC(2020, 9, 15, 6, 38));
    expect(parseDate('2020-10-15')).toBe(Date.UTC(2020, 9, 15));
    expect(parseDate('yesterday')).toBeNull();
    expect(parseDate('2020-13-45T99:00:00Z')).toBeNull();
  });
});

describe('permissions', () => {
  it('parses, expands write, and formats back', () => {
    const perms = parsePermissions(['read("any")', 'write("user:u1")', 'delete("team:t1/owner")'], ['read', 'update', 'delete']);
    expect(formatPermissions(perms)).toEqual(['read("any")', 'update("user:u1")', 'delete("user:u1")', 'delete("team:t1/owner")']);
    expect(readRoles(perms)).toEqual(['any']);
  });
  it('refuses malformed strings, bad roles and actions not allowed here', () => {
    for (const bad of ['read(any)', 'read("")', 'read("nobody:x")', 'fly("any")', 'read("user:_x")']) {
      expect(() => parsePermissions([bad], ['read']), bad).toThrowError(expect.objectContaining({ type: 'general_argument_invalid' }));
    }
    expect(() => parsePermissions(['create("any")'], ['read', 'update', 'delete'])).toThrowError(expect.objectContaining({ type: 'general_argument_invalid' }));
  });
  it('validates every role form Appwrite has', () => {
    for (const ok of ['any', 'guests', 'users', 'users/verified', 'users/unverified', 'user:a1', 'user:a1/verified', 'team:t1', 'team:t1/owner', 'member:m1', 'label:vip']) {
      expect(isValidRole(ok), ok).toBe(true);
    }
  });
  it('decides by role, and a stranger holds none of them', () => {
    const perms = parsePermissions(['read("user:owner")', 'update("team:t1/editor")'], ['read', 'update', 'delete']);
    const owner = userRoles({ id: 'owner', emailVerification: false, phoneVerification: false, labels: [], memberships: [] });
    const editor = userRoles({ id: 'ed', emailVerification: true, phoneVerification: false, labels: ['vip'], memberships: [{ id: 'm1', teamId: 't1', roles: ['editor'] }] });
    const stranger = userRoles({ id: 'stranger', emailVerification: false, phoneVerification: false, labels: [], memberships: [] });
    expect(allows(owner, perms, 'read')).toBe(true);
    expect(allows(editor, perms, 'update')).toBe(true);
    expect(allows(editor, perms, 'read')).toBe(false);
    expect(allows(stranger, perms, 'read')).toBe(false);
    expect(allows(stranger, perms, 'update')).toBe(false);
    expect(editor).toEqual(expect.arrayContaining(['users/verified', 'user:ed/verified', 'team:t1', 'member:m1', 'team:t1/editor', 'label:vip']));
    expect(firstUnheldRole(stranger, perms)).toBe('user:owner');
    expect(firstUnheldRole(owner, parsePermissions(['read("user:owner")', 'read("any")'], ['read']))).toBeNull();
  });
});

describe('validator', () => {
  it('folds the SDKs bracket notation', () => {
    expect(foldBrackets({ 'queries[0]': 'a', 'queries[1]': 'b', 'prefs[x]': '1', 'scopes[]': ['s1', 's2'], total: 'false' })).toEqual({
      queries: ['a', 'b'],
      prefs: { x: '1' },
      scopes: ['s1', 's2'],
      total: 'false',
    });
  });
});

describe('response format', () => {
  it('compares the caller\'s X-Appwrite-Response-Format with a model version', async () => {
    const { formatAtLeast } = await import('./response-format');
    expect(formatAtLeast('2.0.0', '2.0.0')).toBe(true);
    expect(formatAtLeast('1.9.5', '2.0.0')).toBe(false);
    expect(formatAtLeast('1.10', '1.9.5')).toBe(true);
  });
});
