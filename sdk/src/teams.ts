import type { Core } from './core';
import type { ListOf, Membership, Team } from './models';

type P = Record<string, unknown>;
const T = '/teams/{teamId}';
const M = `${T}/memberships`;

/** Teams and memberships (`/v1/teams`), with the Appwrite SDK's method names. */
export function createTeams<Prefs extends P = P>(core: Core) {
  const c = core.call;
  return {
    list: (p: { queries?: string[]; search?: string } = {}): Promise<ListOf<'teams', Team<Prefs>>> => c('GET', '/teams', p),
    create: (p: { teamId: string; name: string; roles?: string[] }): Promise<Team<Prefs>> => c('POST', '/teams', p),
    get: (p: { teamId: string }): Promise<Team<Prefs>> => c('GET', T, p),
    updateName: (p: { teamId: string; name: string }): Promise<Team<Prefs>> => c('PUT', T, p),
    delete: (p: { teamId: string }): Promise<unknown> => c('DELETE', T, p),
    getPrefs: (p: { teamId: string }): Promise<Prefs> => c('GET', `${T}/prefs`, p),
    updatePrefs: (p: { teamId: string; prefs: Prefs }): Promise<Prefs> => c('PUT', `${T}/prefs`, p),
    listMemberships: (p: { teamId: string; queries?: string[]; search?: string }): Promise<ListOf<'memberships', Membership>> => c('GET', M, p),
    createMembership: (p: { teamId: string; roles: string[]; email?: string; userId?: string; phone?: string; url?: string; name?: string }): Promise<Membership> =>
      c('POST', M, p),
    getMembership: (p: { teamId: string; membershipId: string }): Promise<Membership> => c('GET', `${M}/{membershipId}`, p),
    updateMembership: (p: { teamId: string; membershipId: string; roles: string[] }): Promise<Membership> => c('PATCH', `${M}/{membershipId}`, p),
    deleteMembership: (p: { teamId: string; membershipId: string }): Promise<unknown> => c('DELETE', `${M}/{membershipId}`, p),
    updateMembershipStatus: (p: { teamId: string; membershipId: string; userId: string; secret: string }): Promise<Membership> =>
      c('PATCH', `${M}/{membershipId}/status`, p),
  };
}
