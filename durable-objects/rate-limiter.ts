import { DurableObject } from 'cloudflare:workers';

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds when the window resets (X-RateLimit-Reset). */
  reset: number;
}

/**
 * Exact fixed-window counters, one object per limit key (`route + ip`, `route + email`, …), as
 * Appwrite's abuse limits count. One object serialises its own calls, so counts never race.
 */
export class RateLimiter extends DurableObject<Env> {
  private readonly sql = this.ctx.storage.sql;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql.exec('CREATE TABLE IF NOT EXISTS windows (start INTEGER PRIMARY KEY, ends INTEGER NOT NULL, hits INTEGER NOT NULL)');
  }

  /** Counts one hit in the current window of `windowSeconds` and says whether it is allowed. */
  async hit(limit: number, windowSeconds: number, now = Date.now()): Promise<RateLimitResult> {
    const size = windowSeconds * 1000;
    const start = Math.floor(now / size) * size;
    this.sql.exec('DELETE FROM windows WHERE start < ?', start);
    const row = this.sql.exec<{ hits: number }>('SELECT hits FROM windows WHERE start = ?', start).toArray()[0];
    const hits = (row?.hits ?? 0) + 1;
    const allowed = hits <= limit;
    if (allowed) this.sql.exec('INSERT OR REPLACE INTO windows (start, ends, hits) VALUES (?, ?, ?)', start, start + size, hits);
    if (!row) await this.ctx.storage.setAlarm(start + size);
    return { allowed, limit, remaining: Math.max(0, limit - Math.min(hits, limit)), reset: Math.floor((start + size) / 1000) };
  }

  /** Forgets the count (Appwrite's `abuse-reset`, e.g. after a successful sign-in). */
  async reset(): Promise<void> {
    this.sql.exec('DELETE FROM windows');
  }

  /** Drops finished windows so an idle limiter keeps no storage. */
  async alarm(): Promise<void> {
    this.sql.exec('DELETE FROM windows WHERE ends <= ?', Date.now());
  }
}
