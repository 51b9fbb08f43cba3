import type { HubMessage } from './types';

/**
 * The replay buffer (a Ledge extension): every published message stays in storage for `windowMs`,
 * so a client that reconnects can ask for what it missed. One shard, the keeper (shards.ts), keeps
 * it for all: the sink publishes to the keeper first and to the other shards only once the keeper
 * has recorded the batch, so any event a socket could have been sent on any shard is already here
 * when that socket asks. Other shards fetch a window with one RPC and filter it for their socket
 * (replay-frames.ts). `coveredSince` is the oldest time from which the keeper holds every event:
 * the latest of its creation, the window's start and the end of a stretch of writes that skipped
 * publishing because nobody listened (`resumeFrom`, listeners.ts).
 *
 * Writes stay off the delivery path: each storage write holds the keeper's outgoing frames (the
 * output gate) until it commits, so messages gather in memory and are written together at most
 * every FLUSH_MS (a pending timer keeps the object from hibernating before they are). Reads merge
 * what is stored with what is pending. Keys sort by time (`replay:<ms, 15 digits>:<event id>`).
 */
const PREFIX = 'replay:';
const CREATED = 'replay-meta:created';
/** From when the keeper holds every event again after publishes were skipped (listeners.ts). */
const RESUMED = 'replay-meta:resumed';
const key = (at: number, id: string) => `${PREFIX}${String(Math.max(0, Math.floor(at))).padStart(15, '0')}:${id}`;

/** Messages too large to keep (DO storage values are capped at 2 MB) leave a marker instead. */
const MAX_ENTRY_CHARS = 1_000_000;
/** At most this many messages answer one replay request; more is reported as a gap. */
export const MAX_REPLAY = 1000;
/** A window travels to other shards as one RPC result (capped at 32 MiB): beyond this, a gap. */
const MAX_WINDOW_CHARS = 8_000_000;
const FLUSH_MS = 250;

type Entry = HubMessage | { id: string; timestamp: string; omitted: true };

/** What a replay request reads: the messages since a time, whether some are missing, and since when all are held. */
export interface ReplayWindow {
  messages: HubMessage[];
  omitted: boolean;
  coveredSince: number;
}

/** Where a shard reads replay windows: its own buffer on the keeper, one RPC to the keeper elsewhere. */
export type ReplaySource = (since: number) => Promise<ReplayWindow>;

export class ReplayBuffer {
  /** When expired entries were last dropped (in memory only: after a wake the next flush prunes). */
  private prunedAt = 0;
  private created: number | null = null;
  private resumed: number | null = null;
  /** The earliest timestamp recorded by this instance (a new keeper's coverage starts there). */
  private firstAt: number | null = null;
  private pending = new Map<string, Entry>();
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly windowMs: number,
    /** Keeps the object alive until a scheduled flush has run (the DO's `waitUntil`). */
    private readonly waitUntil: (p: Promise<unknown>) => void = () => {},
  ) {}

  private async createdAt(now: number): Promise<number> {
    if (this.created !== null) return this.created;
    const stored = await this.storage.get<number>(CREATED);
    // Every publish reaches the keeper first, so a new keeper holds every event since the first it recorded.
    this.created = stored ?? Math.min(this.firstAt ?? now, now);
    if (stored === undefined) await this.storage.put(CREATED, this.created);
    return this.created;
  }

  /** Keeps `messages`: in memory at once, in storage with the next flush. */
  record(messages: readonly HubMessage[], now = Date.now()): void {
    if (this.windowMs <= 0 || messages.length === 0) return;
    for (const m of messages) {
      const at = Date.parse(m.timestamp) || now;
      this.firstAt = Math.min(this.firstAt ?? at, at);
      this.pending.set(key(at, m.id), JSON.stringify(m).length > MAX_ENTRY_CHARS ? { id: m.id, timestamp: m.timestamp, omitted: true } : m);
    }
    if (!this.flushing) {
      this.flushing = new Promise<void>((resolve) => setTimeout(resolve, FLUSH_MS)).then(() => this.flush());
      this.waitUntil(this.flushing);
    }
  }

  /** Writes what is pending and, at most once a second, forgets what has left the window. */
  async flush(now = Date.now()): Promise<void> {
    this.flushing = null;
    await this.createdAt(now);
    const entries = [...this.pending];
    this.pending = new Map();
    // put() takes at most 128 keys at a time.
    for (let i = 0; i < entries.length; i += 128) await this.storage.put(Object.fromEntries(entries.slice(i, i + 128)), { allowUnconfirmed: true });
    if (now - this.prunedAt >= 1000) {
      this.prunedAt = now;
      const old = await this.storage.list({ prefix: PREFIX, end: key(now - this.windowMs, ''), limit: 1000 });
      if (old.size) await this.storage.delete([...old.keys()], { allowUnconfirmed: true });
    }
  }

  async coveredSince(now = Date.now()): Promise<number> {
    this.resumed ??= (await this.storage.get<number>(RESUMED)) ?? 0;
    return Math.max(await this.createdAt(now), now - this.windowMs, this.resumed);
  }

  /** Publishes may have been skipped before `from` (nobody listened, listeners.ts): coverage starts there. */
  async resumeFrom(from: number): Promise<void> {
    this.resumed = Math.max(this.resumed ?? (await this.storage.get<number>(RESUMED)) ?? 0, from);
    await this.storage.put(RESUMED, this.resumed);
  }

  /**
   * Messages stamped at or after `since` within the window, oldest first (inclusive: the client
   * drops ids it has seen), and whether some could not be replayed (too large to keep, or more
   * than MAX_REPLAY, or more than fits one RPC result).
   */
  async since(since: number, now = Date.now()): Promise<{ messages: HubMessage[]; omitted: boolean }> {
    const from = key(Math.max(since, now - this.windowMs), '');
    const stored = await this.storage.list<Entry>({ prefix: PREFIX, start: from, limit: MAX_REPLAY + 1 });
    const found = [...stored, ...[...this.pending].filter(([k]) => k >= from)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const messages: HubMessage[] = [];
    let omitted = found.length > MAX_REPLAY;
    let chars = 0;
    for (const [, entry] of found.slice(0, MAX_REPLAY)) {
      if ('omitted' in entry) {
        omitted = true;
        continue;
      }
      chars += JSON.stringify(entry).length;
      if (chars > MAX_WINDOW_CHARS) {
        omitted = true;
        break;
      }
      messages.push(entry);
    }
    return { messages, omitted };
  }

  async window(since: number, now = Date.now()): Promise<ReplayWindow> {
    return { ...(await this.since(since, now)), coveredSince: await this.coveredSince(now) };
  }
}

/** Drops what a shard recorded before it stopped keeping replay (one keeper now): once per wake. */
export async function discardReplay(storage: DurableObjectStorage): Promise<void> {
  for (const prefix of [PREFIX, 'replay-meta:']) {
    for (;;) {
      const keys = [...(await storage.list({ prefix, limit: 128 })).keys()];
      if (keys.length === 0) break;
      await storage.delete(keys, { allowUnconfirmed: true });
    }
  }
}
