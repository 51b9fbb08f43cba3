import { z } from 'zod';

/**
 * Appwrite's parameter rules as zod schemas, and the one wording of a failed validation. Pure: the
 * Hono middleware that applies them to requests is workers/http/body.ts.
 */

/**
 * Folds the SDKs' bracket notation (`queries[0]=…&queries[1]=…`, `prefs[a]=…`) into arrays and
 * objects, so GET parameters validate with the same schemas as JSON bodies.
 */
export function foldBrackets(input: Record<string, string | string[]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, rawValue] of Object.entries(input)) {
    const value = Array.isArray(rawValue) ? rawValue[rawValue.length - 1] : rawValue;
    const m = /^([^[\]]+)\[([^[\]]*)\]$/.exec(rawKey);
    if (!m) {
      out[rawKey] = value;
      continue;
    }
    const [, name, sub] = m;
    if (sub === '' || /^\d+$/.test(sub)) {
      const list = Array.isArray(out[name]) ? (out[name] as unknown[]) : [];
      if (sub === '') list.push(...(Array.isArray(rawValue) ? rawValue : [rawValue]));
      else list[Number(sub)] = value;
      out[name] = list;
    } else {
      const obj = out[name] && typeof out[name] === 'object' ? (out[name] as Record<string, unknown>) : {};
      obj[sub] = value;
      out[name] = obj;
    }
  }
  for (const [k, v] of Object.entries(out)) if (Array.isArray(v)) out[k] = v.filter((x) => x !== undefined);
  return out;
}

/** The one wording of a failed validation: `Invalid \`<param>\` param: <reason>` (Appwrite's shape). */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  const param = issue?.path.length ? String(issue.path[0]) : 'body';
  return `Invalid \`${param}\` param: ${issue?.message ?? 'Value is invalid'}`;
}

/** Boolean parameter that also accepts the strings GET requests carry. */
export const boolParam = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

/** Integer parameter that also accepts numeric strings. */
export const intParam = z.preprocess(
  (v) => (typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v),
  z.number().int(),
);

/** `queries[]` as the SDKs send them: JSON strings, at most 100. */
export const queriesParam = z.array(z.string().max(4096)).max(100).optional();

/** A list's `queries`, `search` and `total` parameters, with Appwrite's defaults filled in. */
export const listParams = z
  .object({ queries: queriesParam, search: z.string().max(256).optional(), total: boolParam.optional() })
  .transform((q) => ({ queries: q.queries ?? [], search: q.search, total: q.total !== false }));

// ---- Appwrite's parameter rules shared by the Account, Users and Teams APIs ----------------------

/** Appwrite's Email validator, loosely: one @, a dotted domain, no spaces, at most 320 chars. */
export const emailParam = z
  .string()
  .max(320)
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'Value must be a valid email address');

/** Appwrite's Phone validator: E.164, a leading '+' and at most fifteen digits. */
export const phoneParam = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, "Phone number must start with a '+' can have a maximum of fifteen digits.");

/** A user's display name (Appwrite's `Text(128)`). */
export const nameParam = z.string().max(128);

/** Appwrite's CustomId / UID rule for ids the client names. */
export const customIdParam = z.string().max(36);

/** A value Appwrite's `Text(256)` accepts for token and invitation secrets. */
export const secretParam = z.string().min(1).max(256);

/** Appwrite's Password validator for passwords being checked (not set): 8..256 bytes. */
export const passwordParam = z.string().refine((v) => {
  const n = new TextEncoder().encode(v).byteLength;
  return n >= 8 && n <= 256;
}, 'Password must be between 8 and 256 characters long.');
