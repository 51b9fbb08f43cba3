/**
 * Whether any realtime socket could hear an event, kept in D1 (`realtime_listeners`, migration
 * 0036) by the replay keeper, so that a write can read it at the end of its own batch (the realtime
 * sink's probe, events/publish.ts) and skip the publish RPC when nobody listens and nobody could
 * ask for a replay of it. An app whose users are not connected pays nothing per write for realtime.
 *
 * - `arm()` runs before any socket's `connected` frame, on any shard (the others ask the keeper
 *   through `occupy`): D1 says `listening` from then on, so every write committed after that
 *   frame publishes. A write committed before it was not the new socket's to hear.
 * - `idle()` runs when the keeper knows no shard holds a socket: `listening = 0` with
 *   `idle_since`. Writes keep publishing for the replay window after that, since a client that
 *   just lost its socket may reconnect and ask for what it missed.
 * - Past that window, writes skip. When the keeper arms again after such a time it may lack
 *   events, so `onGap` moves the start of its replay coverage to the arming time (replay.ts): a
 *   client asking from before it is told of the gap rather than handed an incomplete replay.
 *
 * Clocks: the Worker compares `idle_since` (the keeper's clock) with its own; the keeper assumes a
 * gap MARGIN_MS early, so skew below that cannot hide one. Coverage resumes at the arming time: a
 * skipped write stamped a little later by a faster clock was committed before any socket there
 * was connected, so no client was owed it. Writes to the row are serialised, so the last one
 * standing is the keeper's latest state. A failed `idle()` leaves `listening` set (publishes
 * continue: safe); a failed `arm()` fails the socket's registration.
 */
const PROBE_SQL = 'SELECT listening OR coalesce(idle_since > ?, 0) AS hear FROM realtime_listeners WHERE id = 1';
export const MARGIN_MS = 5_000;

/** The realtime sink's probe: whether a write committed now must be published. */
export function listenersProbe(db: D1Database, windowMs: number, now = Date.now()): D1PreparedStatement {
  return db.prepare(PROBE_SQL).bind(now - windowMs);
}

/** False only when the probe ran and said nobody could hear. */
export function heard(row: Record<string, unknown> | null | undefined): boolean {
  return !row || row.hear !== 0;
}

export class ListenerFlag {
  private told: 'listening' | 'idle' | null = null;
  private arming: Promise<void> | null = null;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: D1Database,
    private readonly windowMs: number,
    /** Called with the time from which the keeper holds every event again, after a stretch of skipped publishes. */
    private readonly onGap: (from: number) => Promise<void>,
  ) {}

  private enqueue<T>(write: () => Promise<T>): Promise<T> {
    const next = this.chain.then(write, write);
    this.chain = next.catch(() => {});
    return next;
  }

  /** Resolves once D1 says `listening` (written now unless this instance already did). */
  arm(): Promise<void> {
    if (this.told === 'listening' && this.arming) return this.arming;
    this.told = 'listening';
    this.arming = this.enqueue(async () => {
      const [before] = await this.db.batch<{ listening: number; idle_since: number | null }>([
        this.db.prepare('SELECT listening, idle_since FROM realtime_listeners WHERE id = 1'),
        this.db.prepare('UPDATE realtime_listeners SET listening = 1 WHERE id = 1'),
      ]);
      const row = before.results[0];
      const now = Date.now();
      if (row && !row.listening && (row.idle_since === null || row.idle_since + this.windowMs - MARGIN_MS <= now)) await this.onGap(now);
    }).catch((err: unknown) => {
      this.told = null;
      this.arming = null;
      throw err;
    });
    return this.arming;
  }

  /** No socket anywhere: D1 says idle from now. */
  idle(): Promise<void> {
    if (this.told === 'idle') return Promise.resolve();
    this.told = 'idle';
    this.arming = null;
    return this.enqueue(async () => {
      // Armed again while this waited: the later state wins.
      if (this.told !== 'idle') return;
      await this.db.prepare('UPDATE realtime_listeners SET listening = 0, idle_since = ? WHERE id = 1').bind(Date.now()).run();
    }).catch((err: unknown) => {
      if (this.told === 'idle') this.told = null;
      console.error('[realtime] recording that nobody listens failed (publishes continue)', err);
    });
  }
}
