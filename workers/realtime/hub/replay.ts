import type { HubMessage } from './types';

/**
 * The replay buffer (a Ledge extension): every message a shard publishes stays in its SQLite
 * storage for `windowMs`, so a client that reconnects can ask for what it missed. Every publish
 * reaches every shard, so any shard can answer for any client. `coveredSince` is the oldest time
 * from which the shard holds every event: the later of its creation and the window's start.
 */
export class ReplayBuffer {
  private readonly sql: SqlStorage;

  constructor(storage: DurableObjectStorage, private readonly windowMs: number) {
    this.sql = storage.sql;
    this.sql.exec('CREATE TABLE IF NOT EXISTS replay (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, message TEXT NOT NULL)');
    this.sql.exec('CREATE INDEX IF NOT EXISTS replay_at ON replay (at)');
    this.sql.exec('CREATE TABLE IF NOT EXISTS replay_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID');
    this.sql.exec("INSERT OR IGNORE INTO replay_meta (key, value) VALUES ('created', ?)", Date.now());
  }

  /** Keeps `messages` and forgets what has left the window. */
  record(messages: readonly HubMessage[], now = Date.now()): void {
    if (this.windowMs <= 0) return;
    this.sql.exec('DELETE FROM replay WHERE at < ?', now - this.windowMs);
    for (const m of messages) this.sql.exec('INSERT INTO replay (at, message) VALUES (?, ?)', Date.parse(m.timestamp) || now, JSON.stringify(m));
  }

  coveredSince(now = Date.now()): number {
    const created = this.sql.exec<{ value: number }>("SELECT value FROM replay_meta WHERE key = 'created'").one().value;
    return Math.max(created, now - this.windowMs);
  }

  /** Messages stamped at or after `since`, oldest first (inclusive: the client drops ids it has seen). */
  since(since: number, now = Date.now()): HubMessage[] {
    const from = Math.max(since, now - this.windowMs);
    return this.sql
      .exec<{ message: string }>('SELECT message FROM replay WHERE at >= ? ORDER BY seq', from)
      .toArray()
      .map((r) => JSON.parse(r.message) as HubMessage);
  }
}
