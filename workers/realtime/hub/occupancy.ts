/**
 * Which shards hold sockets, so a publish reaches only those (and the keeper, which records it).
 * The keeper keeps the set (`KeeperOccupancy`); each other shard tells it on its empty → occupied
 * transition, and waits for the answer before any socket's `connected` frame, so every publish the
 * keeper forwards after that reaches the new socket; occupied → empty is told without waiting.
 *
 * Messages about one shard may arrive out of order, so each carries the shard's epoch, raised on
 * every registration and kept in its SQLite storage: the keeper ignores anything older than what
 * it has. A shard the keeper finds empty when it forwards a publish is dropped the same way, so a
 * missed `vacate` (a socket lost with its object) costs RPCs for a while, never an event.
 */
export class KeeperOccupancy {
  private cache: Set<number> | null = null;

  constructor(private readonly sql: SqlStorage) {
    sql.exec('CREATE TABLE IF NOT EXISTS occupancy (shard INTEGER PRIMARY KEY, epoch INTEGER NOT NULL, occupied INTEGER NOT NULL) WITHOUT ROWID');
  }

  /** Records a shard's state as of `epoch`, unless something newer about it is already known. */
  set(shard: number, epoch: number, occupied: boolean): void {
    this.sql.exec(
      `INSERT INTO occupancy (shard, epoch, occupied) VALUES (?, ?, ?)
       ON CONFLICT (shard) DO UPDATE SET epoch = excluded.epoch, occupied = excluded.occupied WHERE excluded.epoch >= occupancy.epoch`,
      shard, epoch, occupied ? 1 : 0,
    );
    this.cache = null;
  }

  /** Occupied shards below `count`, other than the keeper itself. */
  occupied(count: number, keeper: number): number[] {
    this.cache ??= new Set(this.sql.exec<{ shard: number }>('SELECT shard FROM occupancy WHERE occupied = 1').toArray().map((r) => r.shard));
    return [...this.cache].filter((s) => s < count && s !== keeper);
  }
}

/** A shard's side: its index and epoch (SQLite, read synchronously so no transition can interleave). */
export class ShardSeat {
  private registering: Promise<void> | null = null;

  constructor(private readonly sql: SqlStorage) {
    sql.exec('CREATE TABLE IF NOT EXISTS occupancy_self (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID');
  }

  private read(key: string): number | null {
    return this.sql.exec<{ value: number }>('SELECT value FROM occupancy_self WHERE key = ?', key).toArray()[0]?.value ?? null;
  }

  private write(key: string, value: number): void {
    this.sql.exec('INSERT OR REPLACE INTO occupancy_self (key, value) VALUES (?, ?)', key, value);
  }

  epoch(): number {
    return this.read('epoch') ?? 0;
  }

  /**
   * Resolves once the keeper knows this shard holds sockets. Call with the new socket already in
   * the store, so that a concurrent last close cannot vacate the epoch this registers; concurrent
   * connects share one registration.
   */
  ensure(index: number, tell: (index: number, epoch: number) => Promise<void>): Promise<void> {
    if (this.registering) return this.registering;
    const epoch = this.epoch() + 1;
    this.write('index', index);
    this.write('epoch', epoch);
    this.registering = tell(index, epoch).catch((err: unknown) => {
      this.registering = null;
      throw err;
    });
    return this.registering;
  }

  /** The last socket has gone: what to tell the keeper (nothing if this shard never registered). */
  leave(): { index: number; epoch: number } | null {
    this.registering = null;
    const index = this.read('index');
    return index === null ? null : { index, epoch: this.epoch() };
  }
}
