import { principals, runScenarios } from '../../test/scenario';

// Locale in the route × principal matrix: `locale.read` for guests and users, keys need the scope.
runScenarios('locale × principals', async () => {
  const p = await principals({ scopes: ['locale.read'] });
  const path = '/v1/locale/countries/eu';
  return [
    { name: 'guest lists EU countries', as: p.guest, path, status: 200, contains: [{ total: 27 }] },
    { name: 'user A lists EU countries', as: p.userA, path, status: 200, contains: [{ total: 27 }] },
    { name: 'root key lists EU countries', as: p.rootKey, path, status: 200 },
    { name: 'key with locale.read lists EU countries', as: p.scopedKey, path, status: 200 },
    { name: 'key without locale.read is refused', as: p.unscopedKey, path, status: 401, type: 'general_unauthorized_scope' },
    { name: 'expired JWT is refused', as: p.expiredJwt, path, status: 401, type: 'user_jwt_invalid' },
    { name: 'MFA-pending session is held', as: p.mfaPending, path, status: 401, type: 'user_more_factors_required' },
  ];
});
