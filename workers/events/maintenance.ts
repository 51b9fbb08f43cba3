import { nowDate, toAppwriteDate } from '../lib/time';

/**
 * Housekeeping run by the cron trigger: expired sessions, one-time tokens and MFA challenges go,
 * and queue receipts are kept only as long as a redelivery could still arrive.
 */
export const RECEIPT_RETENTION_MS = 7 * 86_400_000;

export async function runMaintenance(env: Env, now = Date.now()): Promise<Record<string, number>> {
  const current = toAppwriteDate(now);
  const results = await env.DB.batch([
    env.DB.prepare('DELETE FROM sessions WHERE expire <= ?').bind(current),
    env.DB.prepare('DELETE FROM tokens WHERE expire <= ?').bind(current),
    env.DB.prepare('DELETE FROM event_receipts WHERE handled_at <= ?').bind(toAppwriteDate(now - RECEIPT_RETENTION_MS)),
    env.DB.prepare('DELETE FROM mfa_challenges WHERE expire <= ?').bind(current),
  ]);
  const [sessions, tokens, receipts, mfaChallenges] = results.map((r) => r.meta.changes ?? 0);
  return { sessions, tokens, receipts, mfaChallenges, ranAt: Date.parse(nowDate()) };
}
