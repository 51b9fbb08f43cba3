import { toAppwriteDate } from '../lib/time';
import { enqueueExecution, enqueueOrFail } from './execute';
import { failStaleWaiting, insertExecutionD1 } from './executions-store';
import { parseSchedule } from './rules';
import { derivedExecutionId } from './triggers';

/**
 * The cron side of functions, run by the Worker's every-minute cron: each enabled, deployed
 * function with a `schedule` gets one execution per cron slot (croner computes the slots). A slot
 * is claimed in `function_schedule_runs` before it runs, so a tick that fires late still runs the
 * slots it covers, and a tick that fires twice runs nothing twice. Slots older than the look-back,
 * or from before the schedule was set, are skipped rather than run in a burst. Scheduled
 * executions more than a day ahead (beyond a queue delay) are handed to the queue here once they
 * are within a day.
 */
export const SCHEDULE_LOOKBACK_MS = 5 * 60_000;
export const SLOT_RETENTION_MS = 7 * 86_400_000;
/**
 * A waiting execution not taken from the queue within this long never will be: its message was
 * lost (a crash between the insert and the send) or dead-lettered. Well beyond the queue's retries
 * (3, with at most 5 minutes of backoff each).
 */
export const STALE_WAITING_MS = 60 * 60_000;
export const STALE_WAITING_REASON = 'The execution was never taken from the queue (its message was lost or dead-lettered) and will not run.';
const MAX_SLOTS_PER_TICK = 5;

export function dueSlots(expression: string, since: number, now: number): number[] {
  const cron = parseSchedule(expression);
  const slots: number[] = [];
  // croner steps from a moment to the next match after it; start just before the window.
  let next = cron.nextRun(new Date(Math.max(since, now - SCHEDULE_LOOKBACK_MS) - 1));
  while (next && next.getTime() <= now && slots.length < MAX_SLOTS_PER_TICK) {
    slots.push(next.getTime());
    next = cron.nextRun(next);
  }
  return slots;
}

export async function runSchedules(env: Env, now = Date.now()): Promise<{ slots: number; queued: number; stale: number }> {
  const db = env.DB;
  const { results } = await db
    .prepare("SELECT id, schedule, schedule_since AS since, deployment_id AS deploymentId FROM functions WHERE enabled = 1 AND schedule != '' AND deployment_id != ''")
    .all<{ id: string; schedule: string; since: string; deploymentId: string }>();
  let slots = 0;
  for (const fn of results) {
    for (const slot of dueSlots(fn.schedule, Date.parse(fn.since), now)) {
      const at = toAppwriteDate(slot);
      const id = await derivedExecutionId(`schedule:${at}`, fn.id);
      const [claim] = await db.batch([
        db.prepare('INSERT OR IGNORE INTO function_schedule_runs (function_id, slot, ran_at) VALUES (?, ?, ?)').bind(fn.id, at, toAppwriteDate(now)),
        insertExecutionD1(db, {
          id,
          functionId: fn.id,
          deploymentId: fn.deploymentId,
          trigger: 'schedule',
          status: 'waiting',
          permissions: [],
          requestMethod: 'POST',
          requestPath: '/',
          requestHeaders: [],
          scheduledAt: at,
          input: { body: '', headers: {}, userId: '', sessionId: '' },
        }, true),
      ]);
      if ((claim.meta.changes ?? 0) === 0) continue;
      // A refused send fails this slot's execution, with the reason, and the other functions still run.
      if (await enqueueOrFail(env, id)) slots++;
    }
  }
  // Scheduled executions that have come within a queue delay's reach.
  const { results: due } = await db
    .prepare("UPDATE executions SET queued = 1 WHERE status = 'scheduled' AND queued = 0 AND scheduled_at <= ? RETURNING id, scheduled_at AS at")
    .bind(toAppwriteDate(now + 86_400_000 - 60_000))
    .all<{ id: string; at: string }>();
  let queued = 0;
  for (const row of due) {
    try {
      await enqueueExecution(env, row.id, Date.parse(row.at));
      queued++;
    } catch (err) {
      // Still `scheduled`: the next tick hands it to the queue again.
      console.error(`[functions] scheduled execution ${row.id} not queued, retried next minute`, err);
      await db.prepare('UPDATE executions SET queued = 0 WHERE id = ? AND status = ?').bind(row.id, 'scheduled').run();
    }
  }
  const stale = await failStaleWaiting(db, toAppwriteDate(now - STALE_WAITING_MS), STALE_WAITING_REASON);
  await db.prepare('DELETE FROM function_schedule_runs WHERE ran_at <= ?').bind(toAppwriteDate(now - SLOT_RETENTION_MS)).run();
  return { slots, queued, stale };
}
