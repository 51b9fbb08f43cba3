import { ApiError } from '../lib/errors';
import type { Principal } from '../lib/principal';

/**
 * Who may do what with teams, after Appwrite's Teams module. Appwrite writes these as document
 * permissions — a team is `read("team:T")`, `update/delete("team:T/owner")` — and API keys skip
 * them. The principal's roles come from its CONFIRMED memberships (read from D1 on every request),
 * so a removed member loses access on the very next call.
 *
 * A team the caller cannot read does not exist for it (`team_not_found`, 404); a member who lacks
 * the owner role is refused with `user_unauthorized` (401).
 */

export function isKey(p: Principal): boolean {
  return p.kind === 'key';
}

export function isTeamMember(p: Principal, teamId: string): boolean {
  return p.roles.includes(`team:${teamId}`);
}

export function isTeamOwner(p: Principal, teamId: string): boolean {
  return p.roles.includes(`team:${teamId}/owner`);
}

/** Team ids the caller may read; `null` means all (API keys). */
export function readableTeamIds(p: Principal): string[] | null {
  if (isKey(p)) return null;
  const ids = new Set<string>();
  for (const role of p.roles) {
    if (role.startsWith('team:') && !role.includes('/')) ids.add(role.slice(5));
  }
  return [...ids];
}

export function assertCanReadTeam(p: Principal, teamId: string): void {
  if (!isKey(p) && !isTeamMember(p, teamId)) throw new ApiError('team_not_found');
}

/** Rename, prefs and delete: Appwrite's `update`/`delete("team:T/owner")` on the team document. */
export function assertCanChangeTeam(p: Principal, teamId: string): void {
  assertCanReadTeam(p, teamId);
  if (!isKey(p) && !isTeamOwner(p, teamId)) throw new ApiError('user_unauthorized');
}

export function assertCanInvite(p: Principal, teamId: string): void {
  assertCanReadTeam(p, teamId);
  if (!isKey(p) && !isTeamOwner(p, teamId)) {
    throw new ApiError('user_unauthorized', 'User is not allowed to send invitations for this team');
  }
}

export function assertCanUpdateRoles(p: Principal, teamId: string): void {
  assertCanReadTeam(p, teamId);
  if (!isKey(p) && !isTeamOwner(p, teamId)) throw new ApiError('user_unauthorized', 'User is not allowed to modify roles');
}

/** Removing a member: owners and keys may remove anyone; a member may remove (leave) themself. */
export function assertCanDeleteMembership(p: Principal, teamId: string, membership: { userId: string }): void {
  assertCanReadTeam(p, teamId);
  if (isKey(p) || isTeamOwner(p, teamId)) return;
  if (p.kind === 'user' && p.userId === membership.userId) return;
  throw new ApiError('user_unauthorized');
}

/** What the caller knows about the team's owners and members when one membership changes. */
export interface OwnerCensus {
  /** Confirmed memberships holding `owner`. */
  confirmedOwnerIds: string[];
  /** All memberships of the team (confirmed or invited). */
  membershipCount: number;
}

/**
 * The last owner may not leave (or be removed) while others remain in the team: they would be left
 * with a team nobody can manage. Appwrite enforces this for its own organisations; Ledge for every
 * team. Alone in the team, the owner may leave.
 */
export function assertOwnerRemainsAfterDelete(membership: { id: string; confirm: boolean }, census: OwnerCensus): void {
  const lastOwner = membership.confirm && census.confirmedOwnerIds.length === 1 && census.confirmedOwnerIds[0] === membership.id;
  if (lastOwner && census.membershipCount > 1) {
    throw new ApiError('membership_deletion_prohibited', 'There must be at least one owner in the team.');
  }
}

/** The last owner may not drop their own `owner` role (Appwrite: membership_downgrade_prohibited). */
export function assertOwnerRemainsAfterRoleChange(
  membership: { id: string; confirm: boolean },
  newRoles: string[],
  census: OwnerCensus,
): void {
  const lastOwner = membership.confirm && census.confirmedOwnerIds.length === 1 && census.confirmedOwnerIds[0] === membership.id;
  if (lastOwner && !newRoles.includes('owner')) {
    throw new ApiError('membership_downgrade_prohibited', 'There must be at least one owner in the team.');
  }
}

/** Appwrite shows `userAccessedAt` of members only to API keys; the other member fields to all readers. */
export function membershipPrivacy(p: Principal) {
  return { userAccessedAt: isKey(p) };
}
