/**
 * Matrix entries for the project settings (`/v1/project`: project, auth methods, platforms,
 * policies, variables), the proxy rules appwrite-cli creates, and the admin management routes
 * (`/v1/console/admins`: the root key or a signed-in admin only, so every matrix principal —
 * scoped keys included — is refused; their successes are in workers/console/admins.test.ts).
 */
import { keyOnly, type Entry, type Fixtures } from './matrix-harness';
import { rootKey } from '../helpers';

const none = 'no-such-id';
const bad: [number, string] = [400, 'general_argument_invalid'];
const UNSCOPED: [number, string] = [401, 'general_unauthorized_scope'];
const secrets = (x: Fixtures) => [rootKey(), x.p.userB.headers['X-Appwrite-Session'], x.spareCookieOfA];
const e = (path: string, scope: string, ok: number | [number, string], json?: unknown): Entry => ({
  path: () => path, scope, outcomes: keyOnly(ok), notContains: secrets, ...(json !== undefined ? { json: () => json } : {}),
});

const PLATFORM_TYPES = ['web', 'apple', 'android', 'windows', 'linux'];

export const PROJECT_MATRIX: Record<string, Entry> = {
  'GET /v1/project': e('/v1/project', 'project.read', 200),
  'PATCH /v1/project/auth-methods/:methodId': e('/v1/project/auth-methods/anonymous', 'project.write', bad),
  'GET /v1/project/platforms': e('/v1/project/platforms', 'project.read', 200),
  'GET /v1/project/platforms/:platformId': e(`/v1/project/platforms/${none}`, 'project.read', [404, 'platform_not_found']),
  'DELETE /v1/project/platforms/:platformId': e(`/v1/project/platforms/${none}`, 'project.write', [404, 'platform_not_found']),
  ...Object.fromEntries(PLATFORM_TYPES.flatMap((t) => [
    [`POST /v1/project/platforms/${t}`, e(`/v1/project/platforms/${t}`, 'project.write', bad)],
    [`PUT /v1/project/platforms/${t}/:platformId`, e(`/v1/project/platforms/${t}/${none}`, 'project.write', bad)],
  ])),
  'GET /v1/project/policies': e('/v1/project/policies', 'project.read', 200),
  'GET /v1/project/policies/:policyId': e('/v1/project/policies/session-limit', 'project.read', 200),
  'PATCH /v1/project/policies/password-dictionary': e('/v1/project/policies/password-dictionary', 'project.write', bad),
  'PATCH /v1/project/policies/password-personal-data': e('/v1/project/policies/password-personal-data', 'project.write', bad),
  'PATCH /v1/project/policies/session-duration': e('/v1/project/policies/session-duration', 'project.write', bad),
  'PATCH /v1/project/policies/session-limit': e('/v1/project/policies/session-limit', 'project.write', bad, { total: -1 }),
  'GET /v1/project/variables': e('/v1/project/variables', 'project.read', 200),
  'POST /v1/project/variables': e('/v1/project/variables', 'project.write', bad),
  'GET /v1/project/variables/:variableId': e(`/v1/project/variables/${none}`, 'project.read', [404, 'variable_not_found']),
  'PUT /v1/project/variables/:variableId': e(`/v1/project/variables/${none}`, 'project.write', bad),
  'DELETE /v1/project/variables/:variableId': e(`/v1/project/variables/${none}`, 'project.write', [404, 'variable_not_found']),
  'POST /v1/proxy/rules/function': e('/v1/proxy/rules/function', 'functions.write', bad),
  'GET /v1/proxy/rules': e('/v1/proxy/rules', 'functions.read', 200),
  'DELETE /v1/proxy/rules/:ruleId': e(`/v1/proxy/rules/${none}`, 'functions.write', [404, 'rule_not_found']),
  'GET /v1/console/admins': { path: () => '/v1/console/admins', scope: 'keys.read', outcomes: keyOnly(UNSCOPED), notContains: secrets },
  'POST /v1/console/admins': { path: () => '/v1/console/admins', scope: 'keys.write', outcomes: keyOnly(UNSCOPED), json: () => ({ email: 'x@example.com', password: 'password-123456' }) },
  'DELETE /v1/console/admins/:adminId': { path: () => `/v1/console/admins/${none}`, scope: 'keys.write', outcomes: keyOnly(UNSCOPED) },
};
