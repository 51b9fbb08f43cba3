import { principals, runScenarios } from './scenario';

// The scenario helper's own check, and the first rows of the route × principal matrix.
runScenarios('principals reach the Worker as who they claim to be', async () => {
  const p = await principals({ scopes: ['users.read'] });
  const team = p.teamOwner.teamId;
  return [
    { name: 'guest has no account', as: p.guest, path: '/v1/account', status: 401, type: 'user_unauthorized' },
    { name: 'user A reads their account', as: p.userA, path: '/v1/account', status: 200, contains: [{ $id: p.userA.userId }], notContains: [p.userB.userId] },
    { name: 'labelled user carries the label', as: p.labelled, path: '/v1/account', status: 200, contains: [{ labels: ['vip'] }] },
    { name: 'expired JWT is refused', as: p.expiredJwt, path: '/v1/account', status: 401, type: 'user_jwt_invalid' },
    { name: 'MFA-pending session is held', as: p.mfaPending, path: '/v1/account', status: 401, type: 'user_more_factors_required' },
    { name: 'scoped key lists users', as: p.scopedKey, path: '/v1/users', status: 200, contains: ['"users"'] },
    { name: 'key without the scope is refused', as: p.unscopedKey, path: '/v1/users', status: 401, type: 'general_unauthorized_scope' },
    { name: 'a user cannot use the Users API', as: p.userA, path: '/v1/users', status: 401, type: 'general_unauthorized_scope' },
    { name: 'team owner reads the team', as: p.teamOwner, path: `/v1/teams/${team}`, status: 200, contains: [{ $id: team, total: 2 }] },
    { name: 'team member reads the team', as: p.teamMember, path: `/v1/teams/${team}`, status: 200, contains: [{ $id: team }] },
    { name: 'a stranger cannot see the team', as: p.userB, path: `/v1/teams/${team}`, status: 404, type: 'team_not_found', notContains: ['Matrix'] },
    { name: 'root key reads the team', as: p.rootKey, path: `/v1/teams/${team}`, status: 200, contains: [{ name: 'Matrix' }] },
  ];
});
