/**
 * The deployment's settings, read from `[vars]` once per isolate (see README "Configuration").
 * One deployment serves one project; everything project-wide comes from here.
 */
export interface Config {
  projectId: string;
  projectName: string;
  allowedOrigins: string[];
  allowLocalhostOrigins: boolean;
  sessionDuration: number;
  sessionLimit: number;
  passwordDictionary: boolean;
  passwordPersonalData: boolean;
  mailProvider: string;
  mailFrom: string;
  rateLimits: boolean;
  /** Bytes: no file may be larger, whatever its bucket allows. */
  storageLimit: number;
  /** Previews: the largest image (decoded pixels, stored bytes) Ledge will transform. */
  previewMaxPixels: number;
  previewMaxBytes: number;
  /** Realtime hub shards that sockets spread over; every publish reaches each one. */
  realtimeShards: number;
  /** Seconds each realtime shard keeps published events for replay (Ledge extension). */
  realtimeReplaySeconds: number;
  /** The per-IP ceiling on all traffic (IP_RATE_LIMITER); off whenever rateLimits is. */
  ipRateLimit: boolean;
  /** Requests to URLs callers name (avatars, webhooks): see lib/net. */
  outbound: { allowPrivate: boolean; dohUrl: string };
  /** Appwrite's auth methods; all on unless the project settings turn one off (workers/settings). */
  authMethods: Record<AuthMethod, boolean>;
  /** Native app origins registered as platforms (`appwrite-ios://<bundle id>`, `appwrite-android://<app id>`, …). */
  nativeOrigins: string[];
}

export const AUTH_METHODS = ['email-password', 'magic-url', 'email-otp', 'anonymous', 'invites', 'jwt', 'phone'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

function flag(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  return ['1', 'true', 'yes', 'on', 'enabled'].includes(value.trim().toLowerCase());
}

function int(value: string | undefined, fallback: number): number {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

/** Vars change only with a new deployment, hence a new isolate: one parse per `env` object. */
const parsed = new WeakMap<object, Config>();

export function readConfig(env: Env): Config {
  // A request's env may be derived from the isolate's (middleware/d1-session.ts): same vars.
  let config = parsed.get(env) ?? parsed.get(Object.getPrototypeOf(env) as object);
  if (!config) {
    config = Object.freeze(parseConfig(env));
    parsed.set(env, config);
  }
  return config;
}

function parseConfig(env: Env): Config {
  return {
    projectId: env.PROJECT_ID || 'local',
    projectName: env.PROJECT_NAME || 'Ledge',
    allowedOrigins: (env.ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    allowLocalhostOrigins: flag(env.ALLOW_LOCALHOST_ORIGINS, true),
    sessionDuration: int(env.SESSION_DURATION, 31_536_000),
    sessionLimit: int(env.SESSION_LIMIT, 10),
    passwordDictionary: flag(env.PASSWORD_DICTIONARY, false),
    passwordPersonalData: flag(env.PASSWORD_PERSONAL_DATA, false),
    mailProvider: env.MAIL_PROVIDER || 'outbox',
    mailFrom: env.MAIL_FROM || 'Ledge <no-reply@ledge.local>',
    rateLimits: flag(env.RATE_LIMITS, true),
    storageLimit: int(env.STORAGE_LIMIT, 5 * 1024 ** 3),
    previewMaxPixels: int(env.PREVIEW_MAX_PIXELS, 40_000_000),
    previewMaxBytes: int(env.PREVIEW_MAX_BYTES, 20 * 1024 ** 2),
    realtimeShards: Math.min(Math.max(int(env.REALTIME_SHARDS, 16), 1), 1024),
    realtimeReplaySeconds: Math.min(int(env.REALTIME_REPLAY_SECONDS, 60), 3600),
    ipRateLimit: flag(env.RATE_LIMITS, true) && flag(env.IP_RATE_LIMIT, true),
    outbound: {
      allowPrivate: flag(env.OUTBOUND_ALLOW_PRIVATE, false),
      dohUrl: env.OUTBOUND_DOH_URL || 'https://cloudflare-dns.com/dns-query',
    },
    authMethods: Object.fromEntries(AUTH_METHODS.map((m) => [m, true])) as Record<AuthMethod, boolean>,
    nativeOrigins: [],
  };
}
