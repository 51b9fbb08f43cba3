import { principals, runScenarios } from '../../test/scenario';

// Avatars in the route × principal matrix: Appwrite gives guests and users `avatars.read`; keys
// need the scope; a held session (MFA) and an expired JWT get no further than everywhere else.
runScenarios('avatars × principals', async () => {
  const p = await principals({ scopes: ['avatars.read'] });
  const qr = '/v1/avatars/qr?text=matrix';
  const privateImage = `/v1/avatars/image?url=${encodeURIComponent('http://169.254.169.254/latest/meta-data/')}`;
  return [
    { name: 'guest draws a QR code', as: p.guest, path: qr, status: 200 },
    { name: 'user A draws a QR code', as: p.userA, path: qr, status: 200 },
    { name: 'root key draws a QR code', as: p.rootKey, path: qr, status: 200 },
    { name: 'key with avatars.read draws a QR code', as: p.scopedKey, path: qr, status: 200 },
    { name: 'key without avatars.read is refused', as: p.unscopedKey, path: qr, status: 401, type: 'general_unauthorized_scope' },
    { name: 'expired JWT is refused', as: p.expiredJwt, path: qr, status: 401, type: 'user_jwt_invalid' },
    { name: 'MFA-pending session is held', as: p.mfaPending, path: qr, status: 401, type: 'user_more_factors_required' },
    { name: 'not even the root key reaches the metadata address', as: p.rootKey, path: privateImage, status: 404, type: 'avatar_remote_url_failed' },
    { name: 'nor a guest', as: p.guest, path: privateImage, status: 404, type: 'avatar_remote_url_failed' },
  ];
});
