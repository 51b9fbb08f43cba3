/**
 * Live project settings, cached per isolate so a request does not pay a D1 round trip for them.
 *
 * A cached copy is used for at most `MAX_AGE_MS` (5 s): CORS preflights carry no credentials and
 * run no D1 statement, so that bound is what makes a new platform reach every isolate within 5 s.
 * Requests that check a session or JWT carry `versionStatement` in their credential batch (the
 * same round trip, identity/authenticate.ts); a token that differs from the cached one drops the
 * copy at once (`noteVersion`), and the principal middleware reloads before anything else reads
 * it. A change made through this isolate drops its copy immediately (`forget`).
 */
import { projectSettings, platforms } from '../db/schema';
import { rawReader } from '../lib/d1';
import { AUTH_METHODS, readConfig, type AuthMethod, type Config } from '../lib/config';

export const MAX_AGE_MS = 5_000;

export type PlatformRow = typeof platforms.$inferSelect;

/** What `project_settings.auth` may hold; an absent key falls back to `[vars]`. */
export interface AuthOverrides {
  sessionDuration?: number;
  /** 0: no limit. */
  sessionLimit?: number;
  passwordDictionary?: boolean;
  passwordPersonalData?: boolean;
  methods?: Partial<Record<AuthMethod, boolean>>;
}

export interface StoredSettings {
  version: string;
  auth: AuthOverrides;
  platforms: PlatformRow[];
}

const platformReader = rawReader(platforms);
let cached: { settings: StoredSettings; at: number } | null = null;
/** Counts copies dropped because a credential batch saw another version (`noteVersion`). */
let drops = 0;

/** Both reads in one batch (one round trip). */
export async function loadSettings(db: D1Database): Promise<StoredSettings> {
  const [head, rows] = await db.batch<Record<string, unknown>>([
    db.prepare('SELECT version, auth FROM project_settings WHERE id = 1'),
    db.prepare(`${platformReader.select} ORDER BY seq`),
  ]);
  const row = head.results[0];
  let auth: AuthOverrides = {};
  try {
    const parsed = JSON.parse(String(row?.auth ?? '{}')) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) auth = parsed as AuthOverrides;
  } catch {
    // A damaged settings row reads as "no overrides": the [vars] values apply.
  }
  const settings = Object.freeze({ version: String(row?.version ?? ''), auth, platforms: rows.results.map((r) => platformReader.decode(r)) });
  cached = { settings, at: Date.now() };
  return settings;
}

/** The cached settings while younger than 5 s, else freshly loaded. */
export async function currentSettings(db: D1Database): Promise<StoredSettings> {
  if (cached && Date.now() - cached.at < MAX_AGE_MS) return cached.settings;
  return loadSettings(db);
}

/**
 * A mark to hold across a credential check: `movedSince(mark)` is true when that check's batch
 * saw another settings version (the request should then reload before it goes on).
 */
export function versionMark(): number {
  return drops;
}

export function movedSince(mark: number): boolean {
  return drops !== mark;
}

/** The live settings' version, as a scalar subquery a credential check can select. */
export const VERSION_SQL = 'SELECT version FROM project_settings WHERE id = 1';

/** The version check that rides in a request's credential batch. */
export function versionStatement(db: D1Database): D1PreparedStatement {
  return db.prepare(VERSION_SQL);
}

/** Reads `versionStatement`'s result: another version than the cached one drops the copy. */
export function noteVersion(result: D1Result<Record<string, unknown>> | undefined): void {
  noteVersionValue(result?.results[0]?.version);
}

/** The version a credential check read (`VERSION_SQL`): another one than the cached drops the copy. */
export function noteVersionValue(version: unknown): void {
  if (cached && typeof version === 'string' && version !== cached.settings.version) {
    cached = null;
    drops += 1;
  }
}

/** After a change through this isolate. */
export function forget(): void {
  cached = null;
}

const NATIVE_SCHEMES: Record<string, string> = {
  apple: 'appwrite-ios',
  android: 'appwrite-android',
  windows: 'appwrite-windows',
  linux: 'appwrite-linux',
};

/** The deployment's `[vars]` with the live settings over them (web platforms join ALLOWED_ORIGINS). */
export function effectiveConfig(base: Config, s: StoredSettings): Config {
  const web = s.platforms.filter((p) => p.type === 'web').map((p) => p.identifier);
  const native = s.platforms.flatMap((p) => {
    const scheme = NATIVE_SCHEMES[p.type];
    if (!scheme) return [];
    // Appwrite's Apple SDK also sends appwrite-macos:// for the same bundle id.
    return p.type === 'apple' ? [`${scheme}://${p.identifier}`, `appwrite-macos://${p.identifier}`] : [`${scheme}://${p.identifier}`];
  });
  const a = s.auth;
  const methods = { ...base.authMethods };
  for (const m of AUTH_METHODS) if (typeof a.methods?.[m] === 'boolean') methods[m] = a.methods[m]!;
  return {
    ...base,
    allowedOrigins: [...base.allowedOrigins, ...web],
    nativeOrigins: [...base.nativeOrigins, ...native],
    sessionDuration: typeof a.sessionDuration === 'number' ? a.sessionDuration : base.sessionDuration,
    sessionLimit: typeof a.sessionLimit === 'number' ? a.sessionLimit : base.sessionLimit,
    passwordDictionary: typeof a.passwordDictionary === 'boolean' ? a.passwordDictionary : base.passwordDictionary,
    passwordPersonalData: typeof a.passwordPersonalData === 'boolean' ? a.passwordPersonalData : base.passwordPersonalData,
    authMethods: methods,
  };
}

/** The merged config per settings copy (and `[vars]` parse), so a request does not rebuild it. */
const merged = new WeakMap<StoredSettings, { base: Config; config: Config }>();

/** The request's config: `[vars]` plus the live settings (cached, at most 5 s old). Shared: read-only. */
export async function configFor(env: Env): Promise<Config> {
  const base = readConfig(env);
  const settings = await currentSettings(env.DB);
  const hit = merged.get(settings);
  if (hit?.base === base) return hit.config;
  const config = Object.freeze(effectiveConfig(base, settings));
  merged.set(settings, { base, config });
  return config;
}
