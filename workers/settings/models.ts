/**
 * Appwrite's Project, Platform and Policy models, from the effective config (`[vars]` with the
 * live settings over them). One Project model serves node-appwrite's `project.get()` (1.9 fields:
 * authMethods, services, protocols) and the console's `projects.get` that appwrite-cli reads for
 * `pull settings` (1.8 fields: authDuration, authEmailPassword, serviceStatusFor…).
 */
import { AUTH_METHODS, type Config } from '../lib/config';
import type { PlatformRow, StoredSettings } from './cache';

/** The one organization (console team) a deployment's project belongs to. */
export const ORGANIZATION_ID = 'ledge';

const SERVICES = ['account', 'avatars', 'databases', 'tablesdb', 'locale', 'health', 'storage', 'teams', 'users', 'sites', 'functions', 'graphql', 'messaging'] as const;
/** What Ledge serves: the rest is shown disabled. */
const SERVED = new Set(['account', 'avatars', 'databases', 'tablesdb', 'locale', 'health', 'storage', 'teams', 'users', 'functions']);

const IDENTIFIER_FIELD: Record<string, string> = {
  web: 'hostname',
  apple: 'bundleIdentifier',
  android: 'applicationId',
  windows: 'packageIdentifierName',
  linux: 'packageName',
};

export function platformModel(row: PlatformRow) {
  return {
    $id: row.id,
    $createdAt: row.createdAt,
    $updatedAt: row.updatedAt,
    name: row.name,
    type: row.type,
    [IDENTIFIER_FIELD[row.type] ?? 'hostname']: row.identifier,
    // 1.8 console model fields the CLI and older consoles read.
    key: row.type === 'web' ? '' : row.identifier,
    store: '',
    hostname: row.type === 'web' ? row.identifier : '',
  };
}

export const POLICY_IDS = ['password-dictionary', 'password-personal-data', 'session-duration', 'session-limit'] as const;
export type PolicyId = (typeof POLICY_IDS)[number];

export function policyModel(id: PolicyId, config: Config) {
  switch (id) {
    case 'password-dictionary':
      return { $id: id, enabled: config.passwordDictionary };
    case 'password-personal-data':
      return { $id: id, enabled: config.passwordPersonalData };
    case 'session-duration':
      return { $id: id, duration: config.sessionDuration };
    case 'session-limit':
      return { $id: id, total: config.sessionLimit };
  }
}

export function projectModel(config: Config, settings: StoredSettings) {
  const m = config.authMethods;
  const updatedAt = settings.platforms.reduce((t, p) => (p.updatedAt > t ? p.updatedAt : t), '');
  return {
    $id: config.projectId,
    $createdAt: '',
    $updatedAt: updatedAt,
    name: config.projectName,
    description: '',
    teamId: ORGANIZATION_ID,
    region: 'default',
    logo: '',
    url: '',
    legalName: '',
    legalCountry: '',
    legalState: '',
    legalCity: '',
    legalAddress: '',
    legalTaxId: '',
    devKeys: [],
    smtpEnabled: false,
    smtpSenderName: '',
    smtpSenderEmail: '',
    smtpReplyTo: '',
    smtpReplyToName: '',
    smtpReplyToEmail: '',
    smtpHost: '',
    smtpPort: 0,
    smtpUsername: '',
    smtpPassword: '',
    smtpSecure: '',
    pingCount: 0,
    pingedAt: '',
    labels: [],
    status: 'active',
    onboarding: {},
    authMethods: AUTH_METHODS.map((id) => ({ $id: id, enabled: m[id] })),
    services: SERVICES.map((id) => ({ $id: id, enabled: SERVED.has(id) })),
    protocols: [{ $id: 'rest', enabled: true }, { $id: 'graphql', enabled: false }, { $id: 'websocket', enabled: true }],
    blocks: [],
    consoleAccessedAt: '',
    wafEnabled: false,
    // 1.8 console model (appwrite-cli `pull settings`).
    authDuration: config.sessionDuration,
    authLimit: 0,
    authSessionsLimit: config.sessionLimit,
    authPasswordHistory: 0,
    authPasswordDictionary: config.passwordDictionary,
    authPersonalDataCheck: config.passwordPersonalData,
    authMockNumbers: [],
    authSessionAlerts: false,
    authMembershipsUserName: true,
    authMembershipsUserEmail: true,
    authMembershipsMfa: true,
    authEmailPassword: m['email-password'],
    authUsersAuthMagicURL: m['magic-url'],
    authEmailOtp: m['email-otp'],
    authAnonymous: m.anonymous,
    authInvites: m.invites,
    authJWT: m.jwt,
    authPhone: m.phone,
    oAuthProviders: [],
    platforms: settings.platforms.map(platformModel),
    webhooks: [],
    keys: [],
    ...Object.fromEntries(SERVICES.map((id) => [`serviceStatusFor${id === 'tablesdb' ? 'TablesDB' : id[0].toUpperCase() + id.slice(1)}`, SERVED.has(id)])),
  };
}
