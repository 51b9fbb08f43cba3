import { describe, expect, it } from 'vitest';
import { ApiError } from '../lib/errors';
import { guestPrincipal, keyPrincipal, userPrincipal, type Principal } from '../lib/principal';
import { ROOT_SCOPES } from '../lib/scopes';
import {
  assertCanChangeTeam, assertCanDeleteMembership, assertCanInvite, assertCanReadTeam, assertCanUpdateRoles,
  assertOwnerRemainsAfterDelete, assertOwnerRemainsAfterRoleChange, membershipPrivacy, readableTeamIds,
} from './rules';

function user(id: string, memberships: { id: string; teamId: string; roles: string[] }[] = []): Principal {
  return userPrincipal({ id, emailVerification: true, phoneVerification: false, labels: [], memberships }, 's1', 'session');
}

const owner = user('owner', [{ id: 'm-owner', teamId: 't1', roles: ['owner'] }]);
const member = user('member', [{ id: 'm-member', teamId: 't1', roles: ['editor'] }]);
const stranger = user('stranger', [{ id: 'm-other', teamId: 't2', roles: ['owner'] }]);
const guest = guestPrincipal();
const key = keyPrincipal('root', ROOT_SCOPES);

function refusal(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return (err as ApiError).type;
  }
  return 'allowed';
}

describe('team rules', () => {
  it('members and keys read a team; strangers and guests are told it does not exist', () => {
    expect(refusal(() => assertCanReadTeam(owner, 't1'))).toBe('allowed');
    expect(refusal(() => assertCanReadTeam(member, 't1'))).toBe('allowed');
    expect(refusal(() => assertCanReadTeam(key, 't1'))).toBe('allowed');
    expect(refusal(() => assertCanReadTeam(stranger, 't1'))).toBe('team_not_found');
    expect(refusal(() => assertCanReadTeam(guest, 't1'))).toBe('team_not_found');
  });

  it('only owners and keys rename, set prefs, delete, invite and change roles', () => {
    for (const check of [assertCanChangeTeam, assertCanInvite, assertCanUpdateRoles]) {
      expect(refusal(() => check(owner, 't1'))).toBe('allowed');
      expect(refusal(() => check(key, 't1'))).toBe('allowed');
      expect(refusal(() => check(member, 't1'))).toBe('user_unauthorized');
      expect(refusal(() => check(stranger, 't1'))).toBe('team_not_found');
      expect(refusal(() => check(guest, 't1'))).toBe('team_not_found');
    }
  });

  it('an owner of another team holds nothing here', () => {
    expect(refusal(() => assertCanInvite(stranger, 't1'))).toBe('team_not_found');
    expect(refusal(() => assertCanInvite(stranger, 't2'))).toBe('allowed');
  });

  it('a member may leave; only owners and keys remove others', () => {
    const theirs = { userId: 'member' };
    const someoneElse = { userId: 'owner' };
    expect(refusal(() => assertCanDeleteMembership(member, 't1', theirs))).toBe('allowed');
    expect(refusal(() => assertCanDeleteMembership(member, 't1', someoneElse))).toBe('user_unauthorized');
    expect(refusal(() => assertCanDeleteMembership(owner, 't1', theirs))).toBe('allowed');
    expect(refusal(() => assertCanDeleteMembership(key, 't1', theirs))).toBe('allowed');
    expect(refusal(() => assertCanDeleteMembership(stranger, 't1', theirs))).toBe('team_not_found');
    expect(refusal(() => assertCanDeleteMembership(guest, 't1', theirs))).toBe('team_not_found');
  });

  it('the last owner cannot leave while others remain, nor drop their owner role', () => {
    const census = { confirmedOwnerIds: ['m-owner'], membershipCount: 2 };
    const last = { id: 'm-owner', confirm: true };
    expect(refusal(() => assertOwnerRemainsAfterDelete(last, census))).toBe('membership_deletion_prohibited');
    expect(refusal(() => assertOwnerRemainsAfterDelete(last, { ...census, membershipCount: 1 }))).toBe('allowed');
    expect(refusal(() => assertOwnerRemainsAfterDelete(last, { ...census, confirmedOwnerIds: ['m-owner', 'm2'] }))).toBe('allowed');
    expect(refusal(() => assertOwnerRemainsAfterDelete({ id: 'm-member', confirm: true }, census))).toBe('allowed');
    expect(refusal(() => assertOwnerRemainsAfterRoleChange(last, ['editor'], census))).toBe('membership_downgrade_prohibited');
    expect(refusal(() => assertOwnerRemainsAfterRoleChange(last, ['owner', 'editor'], census))).toBe('allowed');
  });

  it('lists what the caller may read; keys see everything and member access times', () => {
    expect(readableTeamIds(owner)).toEqual(['t1']);
    expect(readableTeamIds(guest)).toEqual([]);
    expect(readableTeamIds(key)).toBeNull();
    expect(membershipPrivacy(key).userAccessedAt).toBe(true);
    expect(membershipPrivacy(owner).userAccessedAt).toBe(false);
  });
});
