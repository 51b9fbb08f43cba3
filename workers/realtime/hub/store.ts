import { matchesPayload, parseRuntimeQueries, type RuntimeFilter } from '../../lib/query';
import { GUEST_ROLES, type SocketAttachment, type SubscriptionRequest } from './types';

/**
 * A hub shard's state. Durable: sockets (`ctx.getWebSockets()` with their attachments) and the
 * shard's SQLite tables — subscriptions keyed by socket id, the roles of each user with a socket
 * here. Everything in memory is an index over those, built on first use after the object wakes
 * (`load`), so a hibernated or evicted hub comes back with every socket's subscriptions and roles.
 */
export interface Subscription {
  id: string;
  channels: string[];
  /** Query strings as acked; `filter` is their parsed form (null: everything). */
  queries: string[];
  filter: RuntimeFilter;
}

export interface LiveSocket {
  ws: WebSocket;
  att: SocketAttachment;
  subs: Map<string, Subscription>;
}

export class HubStore {
  private loaded = false;
  private readonly sockets = new Map<string, LiveSocket>();
  /** channel → socket id → subscription ids on that channel. */
  private readonly index = new Map<string, Map<string, Set<string>>>();
  private readonly roles = new Map<string, string[]>();
  private readonly sql: SqlStorage;

  constructor(private readonly ctx: DurableObjectState) {
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS subscriptions (
      socket TEXT NOT NULL, id TEXT NOT NULL, channels TEXT NOT NULL, queries TEXT NOT NULL, PRIMARY KEY (socket, id)) WITHOUT ROWID`);
    this.sql.exec('CREATE TABLE IF NOT EXISTS user_roles (user TEXT PRIMARY KEY, roles TEXT NOT NULL) WITHOUT ROWID');
    this.sql.exec('CREATE TABLE IF NOT EXISTS socket_presences (socket TEXT NOT NULL, presence TEXT NOT NULL, PRIMARY KEY (socket, presence)) WITHOUT ROWID');
  }

  /** Rebuilds the in-memory index from the sockets and storage, once per wake. */
  load(): void {
    if (this.loaded) return;
    this.loaded = true;
    for (const ws of this.ctx.getWebSockets()) {
      const att = ws.deserializeAttachment() as SocketAttachment | null;
      if (att?.id) this.sockets.set(att.id, { ws, att, subs: new Map() });
    }
    for (const row of this.sql.exec<{ socket: string; id: string; channels: string; queries: string }>('SELECT socket, id, channels, queries FROM subscriptions')) {
      const live = this.sockets.get(row.socket);
      // A socket that went away while the hub was not running leaves rows behind: drop them.
      if (!live) {
        this.sql.exec('DELETE FROM subscriptions WHERE socket = ?', row.socket);
        continue;
      }
      const queries = JSON.parse(row.queries) as string[];
      this.indexSubscription(row.socket, live, { id: row.id, channels: JSON.parse(row.channels), queries, filter: parseRuntimeQueries(queries).filter });
    }
    const users = new Set([...this.sockets.values()].map((s) => s.att.user).filter((u): u is string => u !== null));
    for (const row of this.sql.exec<{ user: string; roles: string }>('SELECT user, roles FROM user_roles')) {
      if (users.has(row.user)) this.roles.set(row.user, JSON.parse(row.roles));
      else this.sql.exec('DELETE FROM user_roles WHERE user = ?', row.user);
    }
  }

  get(socketId: string): LiveSocket | undefined {
    return this.sockets.get(socketId);
  }

  /** The live socket behind a handler's `ws`, by the id in its attachment. */
  of(ws: WebSocket): LiveSocket | undefined {
    const att = ws.deserializeAttachment() as SocketAttachment | null;
    return att?.id ? this.sockets.get(att.id) : undefined;
  }

  all(): IterableIterator<LiveSocket> {
    return this.sockets.values();
  }

  count(): number {
    return this.sockets.size;
  }

  add(ws: WebSocket, att: SocketAttachment, roles: readonly string[]): LiveSocket {
    ws.serializeAttachment(att);
    const live: LiveSocket = { ws, att, subs: new Map() };
    this.sockets.set(att.id, live);
    if (att.user) this.setRoles(att.user, roles);
    return live;
  }

  /** Persists a changed attachment (rate counters, a new user after `authentication`). */
  saveAttachment(live: LiveSocket): void {
    live.ws.serializeAttachment(live.att);
  }

  /** Forgets a socket; returns it with the presences it opened (Appwrite ends them on disconnect). */
  remove(socketId: string): { live: LiveSocket; presences: string[] } | undefined {
    const live = this.sockets.get(socketId);
    if (!live) return undefined;
    for (const sub of [...live.subs.values()]) this.unindex(socketId, live, sub.id);
    this.sockets.delete(socketId);
    this.sql.exec('DELETE FROM subscriptions WHERE socket = ?', socketId);
    const presences = this.sql.exec<{ presence: string }>('DELETE FROM socket_presences WHERE socket = ? RETURNING presence', socketId).toArray().map((r) => r.presence);
    const user = live.att.user;
    if (user && !this.socketsOf(user).length) {
      this.roles.delete(user);
      this.sql.exec('DELETE FROM user_roles WHERE user = ?', user);
    }
    return { live, presences };
  }

  /** Remembers that a socket's `presence` frame made or refreshed this presence. */
  trackPresence(socketId: string, presenceId: string): void {
    this.sql.exec('INSERT OR IGNORE INTO socket_presences (socket, presence) VALUES (?, ?)', socketId, presenceId);
  }

  socketsOf(userId: string): LiveSocket[] {
    return [...this.sockets.values()].filter((s) => s.att.user === userId);
  }

  rolesOf(live: LiveSocket): readonly string[] {
    return live.att.user ? (this.roles.get(live.att.user) ?? GUEST_ROLES) : GUEST_ROLES;
  }

  /** Stores a user's roles, if the user has a socket on this shard. */
  setRoles(userId: string, roles: readonly string[]): void {
    if (!this.socketsOf(userId).length) return;
    this.roles.set(userId, [...roles]);
    this.sql.exec('INSERT OR REPLACE INTO user_roles (user, roles) VALUES (?, ?)', userId, JSON.stringify(roles));
  }

  /** Users on this shard holding any of `roles`. */
  usersHolding(roles: readonly string[]): string[] {
    return [...this.roles].filter(([, held]) => held.some((r) => roles.includes(r))).map(([user]) => user);
  }

  /** Adds or replaces a subscription (the SDK re-sends an id to change its channels or queries). */
  subscribe(live: LiveSocket, id: string, request: SubscriptionRequest, filter: RuntimeFilter): Subscription {
    if (live.subs.has(id)) this.unindex(live.att.id, live, id);
    const sub: Subscription = { id, channels: request.channels, queries: request.queries, filter };
    this.sql.exec(
      'INSERT OR REPLACE INTO subscriptions (socket, id, channels, queries) VALUES (?, ?, ?, ?)',
      live.att.id, id, JSON.stringify(sub.channels), JSON.stringify(sub.queries),
    );
    this.indexSubscription(live.att.id, live, sub);
    return sub;
  }

  unsubscribe(live: LiveSocket, id: string): boolean {
    if (!live.subs.has(id)) return false;
    this.unindex(live.att.id, live, id);
    this.sql.exec('DELETE FROM subscriptions WHERE socket = ? AND id = ?', live.att.id, id);
    return true;
  }

  /**
   * The sockets with a subscription on one of `channels` whose queries accept `payload`, and the
   * ids of those subscriptions (each evaluated once, whatever number of its channels match).
   */
  match(channels: readonly string[], payload: Record<string, unknown>): Map<LiveSocket, string[]> {
    const out = new Map<LiveSocket, string[]>();
    const seen = new Set<Subscription>();
    for (const channel of channels) {
      const bySocket = this.index.get(channel);
      if (!bySocket) continue;
      for (const [socketId, ids] of bySocket) {
        const live = this.sockets.get(socketId);
        if (!live) continue;
        for (const id of ids) {
          const sub = live.subs.get(id);
          if (!sub || seen.has(sub)) continue;
          seen.add(sub);
          if (!matchesPayload(sub.filter, payload)) continue;
          const list = out.get(live);
          if (list) list.push(id);
          else out.set(live, [id]);
        }
      }
    }
    return out;
  }

  private indexSubscription(socketId: string, live: LiveSocket, sub: Subscription): void {
    live.subs.set(sub.id, sub);
    for (const channel of sub.channels) {
      let bySocket = this.index.get(channel);
      if (!bySocket) this.index.set(channel, (bySocket = new Map()));
      let ids = bySocket.get(socketId);
      if (!ids) bySocket.set(socketId, (ids = new Set()));
      ids.add(sub.id);
    }
  }

  private unindex(socketId: string, live: LiveSocket, id: string): void {
    const sub = live.subs.get(id);
    if (!sub) return;
    live.subs.delete(id);
    for (const channel of sub.channels) {
      const bySocket = this.index.get(channel);
      const ids = bySocket?.get(socketId);
      if (!ids) continue;
      ids.delete(id);
      if (ids.size === 0) bySocket!.delete(socketId);
      if (bySocket!.size === 0) this.index.delete(channel);
    }
  }
}
