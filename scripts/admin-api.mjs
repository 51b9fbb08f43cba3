// Creating an admin of the admin realm (issue 16) through Ledge's own API with the root key:
// POST /v1/console/admins. Used by `npm run dev` (the first local admin) and `npm run admin`
// (production). No network beyond the endpoint named.
import { randomBytes } from 'node:crypto';

export function generateAdminPassword() {
  return randomBytes(18).toString('base64url');
}

/**
 * @param {{ endpoint: string, projectId: string, rootKey: string, email: string, password: string, name?: string }} input
 * @returns {Promise<'created' | 'exists'>}
 */
export async function createAdmin({ endpoint, projectId, rootKey, email, password, name }) {
  const res = await fetch(`${endpoint.replace(/\/$/, '')}/console/admins`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Appwrite-Project': projectId, 'X-Appwrite-Key': rootKey },
    body: JSON.stringify({ adminId: 'unique()', email, password, name: name ?? '' }),
  });
  if (res.status === 201) return 'created';
  const text = await res.text();
  if (res.status === 409) return 'exists';
  throw new Error(`Ledge refused the admin (${res.status}): ${text}`);
}
