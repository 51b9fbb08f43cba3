import { DurableObject } from 'cloudflare:workers';
import { ApiError } from '../workers/lib/errors';
import { readConfig } from '../workers/lib/config';
import { uniqueId } from '../workers/lib/ids';
import { parseRuntimeQueries } from '../workers/lib/query';
import { deliver } from '../workers/realtime/hub/deliver';
import { countFrame, errorFrame, handleFrame, parseFrame, type HubContext } from '../workers/realtime/hub/frames';
import { endPresences, presenceFrame } from '../workers/realtime/hub/presence-frames';
import { discardReplay, ReplayBuffer, type ReplaySource, type ReplayWindow } from '../workers/realtime/hub/replay';
import { deliverReplay } from '../workers/realtime/hub/replay-frames';
import { HubStore, type LiveSocket } from '../workers/realtime/hub/store';
import { KeeperOccupancy, ShardSeat } from '../workers/realtime/hub/occupancy';
import { ListenerFlag } from '../workers/realtime/hub/listeners';
import { isKeeper, KEEPER, shard } from '../workers/realtime/shards';
import { IDENTITY_HEADER, type HubBatch, type RoleUpdate, type SocketAttachment, type SocketIdentity } from '../workers/realtime/hub/types';

/**
 * One shard of the project's realtime connections (workers/realtime/shards.ts). Sockets hibernate
 * (`acceptWebSocket`); `{"type":"ping"}` is answered by the runtime without waking the object.
 * The Worker authenticates the upgrade and hands over the socket's identity; the hub speaks the
 * rest of Appwrite's protocol (frames.ts), fans out what the realtime sink publishes (deliver.ts),
 * applies role changes at once, and answers replay requests. Shard 0, the keeper, also keeps the
 * replay buffer for every shard (replay.ts) and the set of shards holding sockets (occupancy.ts):
 * the sink publishes to the keeper alone, which records and forwards to those. All state is in the
 * sockets' attachments and the object's SQLite storage (store.ts), so eviction loses nothing.
 */
export class RealtimeHub extends DurableObject<Env> {
  private readonly store: HubStore;
  /** The replay buffer, on the keeper only. */
  private readonly buffer: ReplayBuffer | null;
  private readonly replay: ReplaySource;
  private readonly keeper: boolean;
  /** On the keeper: the shards holding sockets. Elsewhere: this shard's registration with it. */
  private readonly occupancy: KeeperOccupancy | null;
  private readonly seat: ShardSeat;
  /** On the keeper: D1's record of whether any socket could hear a write (listeners.ts). */
  private readonly listeners: ListenerFlag | null;
  private discarded = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new HubStore(ctx);
    this.keeper = isKeeper(env, ctx.id);
    this.occupancy = this.keeper ? new KeeperOccupancy(ctx.storage.sql) : null;
    this.seat = new ShardSeat(ctx.storage.sql);
    const buffer = this.keeper ? new ReplayBuffer(ctx.storage, readConfig(env).realtimeReplaySeconds * 1000, (p) => ctx.waitUntil(p)) : null;
    this.buffer = buffer;
    this.replay = buffer ? (since) => buffer.window(since) : (since) => shard(env, KEEPER).replayWindow(since);
    this.listeners = buffer ? new ListenerFlag(env.DB, readConfig(env).realtimeReplaySeconds * 1000, (from) => buffer.resumeFrom(from)) : null;
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  private context(): HubContext {
    return {
      env: this.env,
      executionCtx: { waitUntil: (p) => this.ctx.waitUntil(p) },
      store: this.store,
      replay: this.replay,
      presence: (live, data) => presenceFrame(this.context(), live, data),
    };
  }

  /** Accepts a socket the Worker has admitted; its identity travels in an internal header. */
  async fetch(request: Request): Promise<Response> {
    if (request.headers.get('Upgrade') !== 'websocket') return new Response('Expected WebSocket', { status: 426 });
    const identity = JSON.parse(request.headers.get(IDENTITY_HEADER) ?? 'null') as SocketIdentity | null;
    if (!identity?.socketId) return new Response('Missing socket identity', { status: 400 });
    this.store.load();
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    const att: SocketAttachment = { id: identity.socketId, user: identity.userId, session: identity.sessionId, expires: identity.expires, window: 0, hits: 0 };
    const live = this.store.add(server, att, identity.roles);
    if (this.listeners || identity.shard !== undefined) {
      try {
        // Before `connected`: from then on the keeper forwards every publish here, and writes publish.
        if (this.listeners) await this.listeners.arm();
        else await this.seat.ensure(identity.shard!, (index, epoch) => shard(this.env, KEEPER).occupy(index, epoch));
      } catch (err) {
        console.error('[realtime] shard registration failed', err);
        this.send(live, errorFrame(new ApiError('general_server_error', 'Error: Server Error')));
        server.close(1011, 'Server Error');
        this.drop(live.att.id);
        return new Response(null, { status: 101, webSocket: client });
      }
    }
    // Subscribed only now, so no event frame can precede `connected`.
    const mapping: Record<number, string> = {};
    for (const sub of identity.legacy?.subscriptions ?? []) {
      const id = uniqueId();
      this.store.subscribe(live, id, { channels: sub.channels, queries: sub.queries }, parseRuntimeQueries(sub.queries).filter);
      mapping[sub.index] = id;
    }
    // PHP encodes a 0..n-1 keyed map as a list, so that is what older SDKs read.
    const keys = Object.keys(mapping).map(Number);
    const subscriptions = keys.every((k, i) => k === i) ? Object.values(mapping) : mapping;
    server.send(JSON.stringify({ type: 'connected', data: { channels: identity.legacy?.channels ?? [], subscriptions, user: identity.user } }));
    if (identity.since !== null && identity.legacy) {
      server.send(JSON.stringify({ type: 'response', data: { to: 'replay', success: true, ...(await deliverReplay(this.store, this.replay, live, identity.since)) } }));
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.store.load();
    const live = this.store.of(ws);
    if (!live) {
      ws.close(1011, 'Unknown connection');
      return;
    }
    try {
      countFrame(this.store, live);
      const reply = await handleFrame(this.context(), live, parseFrame(message));
      if (reply) ws.send(JSON.stringify(reply));
    } catch (err) {
      let apiError: ApiError;
      if (err instanceof ApiError) apiError = err;
      else {
        console.error('[realtime] frame failed', err);
        apiError = new ApiError('general_server_error', 'Error: Server Error');
      }
      if (apiError.code === 1008) this.end(live, apiError);
      else this.send(live, errorFrame(apiError));
    }
  }

  async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.forget(ws);
    try {
      ws.close(code, reason);
    } catch {
      // Already closed (the runtime answers the client's close frame itself).
    }
  }

  async webSocketError(ws: WebSocket): Promise<void> {
    this.forget(ws);
  }

  /** Applies role changes, then fans the messages out (and on the keeper keeps them for replay). Returns frames sent. */
  async publish(batch: HubBatch): Promise<number> {
    const delivered = this.deliverHere(batch);
    this.keep(batch.messages ?? []);
    return delivered;
  }

  /**
   * On the keeper, from the sink: records the batch for replay, sends it on to every occupied shard,
   * and delivers it here while those calls travel. Recording comes first, so no shard can send an
   * event the replay window lacks. A shard found empty is dropped from the set as of its epoch.
   * Returns frames sent.
   */
  async broadcast(batch: HubBatch): Promise<number> {
    this.keep(batch.messages ?? []);
    const targets = this.occupancy?.occupied(readConfig(this.env).realtimeShards, KEEPER) ?? [];
    const forwarding = Promise.allSettled(targets.map((i) => shard(this.env, i).forwarded(batch)));
    let delivered = this.deliverHere(batch);
    const failed: unknown[] = [];
    let emptied = false;
    (await forwarding).forEach((r, i) => {
      if (r.status === 'rejected') return void failed.push(r.reason);
      delivered += r.value.delivered;
      if (r.value.sockets === 0) {
        this.occupancy?.set(targets[i], r.value.epoch, false);
        emptied = true;
      }
    });
    if (emptied) this.settle();
    if (failed.length) throw new AggregateError(failed, `${failed.length} of ${targets.length + 1} realtime shards failed`);
    return delivered;
  }

  /** Applies role changes, then sends the messages to this shard's sockets that may receive them. */
  private deliverHere(batch: HubBatch): number {
    this.store.load();
    for (const update of batch.updates ?? []) this.apply(update);
    let delivered = 0;
    for (const msg of batch.messages ?? []) {
      const result = deliver(this.store, msg);
      delivered += result.delivered;
      for (const live of result.expired) this.end(live, new ApiError('realtime_policy_violation', 'The session has expired.'));
    }
    return delivered;
  }

  /** On the keeper, records for replay; elsewhere, drops (once per wake) what the shard kept before there was one keeper. */
  private keep(messages: HubBatch['messages']): void {
    if (this.buffer) this.buffer.record(messages ?? []);
    else if (!this.discarded) {
      this.discarded = true;
      this.ctx.waitUntil(discardReplay(this.ctx.storage));
    }
  }

  /** A publish the keeper forwarded: delivers it, and says whether this shard still holds sockets. */
  async forwarded(batch: HubBatch): Promise<{ delivered: number; sockets: number; epoch: number }> {
    const delivered = await this.publish(batch);
    return { delivered, sockets: this.store.count(), epoch: this.seat.epoch() };
  }

  /** On the keeper: shard `index` holds sockets (awaited before their `connected` frames). */
  async occupy(index: number, epoch: number): Promise<void> {
    this.occupancy?.set(index, epoch, true);
    await this.listeners?.arm();
  }

  /** On the keeper: shard `index`'s last socket has gone. */
  async vacate(index: number, epoch: number): Promise<void> {
    this.occupancy?.set(index, epoch, false);
    this.settle();
  }

  /** On the keeper: with no socket here or on any shard, D1 is told nobody listens (listeners.ts). */
  private settle(): void {
    if (!this.listeners || !this.occupancy) return;
    this.store.load();
    if (this.store.count() > 0 || this.occupancy.occupied(readConfig(this.env).realtimeShards, KEEPER).length > 0) return;
    this.ctx.waitUntil(this.listeners.idle());
  }

  /** The keeper's replay window since `since` (Unix ms), for a socket on another shard (other shards ask the keeper). */
  async replayWindow(since: number): Promise<ReplayWindow> {
    return this.replay(since);
  }

  /** Users with a socket here holding any of `roles` (a deleted team's members). */
  async usersHolding(roles: string[]): Promise<string[]> {
    this.store.load();
    return this.store.usersHolding(roles);
  }

  async connections(): Promise<number> {
    this.store.load();
    return this.store.count();
  }

  private apply(update: RoleUpdate): void {
    const sockets = this.store.socketsOf(update.userId);
    if (sockets.length === 0) return;
    if ('ended' in update) {
      for (const live of sockets) this.end(live, new ApiError('realtime_policy_violation', update.ended));
      return;
    }
    this.store.setRoles(update.userId, update.roles);
    for (const live of sockets) {
      const expires = live.att.session ? update.sessions[live.att.session] : undefined;
      if (expires === undefined) {
        this.end(live, new ApiError('realtime_policy_violation', 'The session has ended.'));
      } else if (expires !== live.att.expires) {
        live.att.expires = expires;
        this.store.saveAttachment(live);
      }
    }
  }

  private send(live: LiveSocket, text: string): void {
    try {
      live.ws.send(text);
    } catch {
      // Closed meanwhile.
    }
  }

  /** Sends the error, closes with its code (1008: the SDK will not reconnect) and forgets the socket. */
  private end(live: LiveSocket, err: ApiError): void {
    this.send(live, errorFrame(err));
    try {
      live.ws.close(err.code, err.message.slice(0, 120));
    } catch {
      // Closed meanwhile.
    }
    this.drop(live.att.id);
  }

  private forget(ws: WebSocket): void {
    this.store.load();
    const live = this.store.of(ws);
    if (live) this.drop(live.att.id);
  }

  /** Removes a socket and ends the presences it opened (Appwrite deletes them on disconnect). */
  private drop(socketId: string): void {
    const gone = this.store.remove(socketId);
    if (gone?.presences.length) this.ctx.waitUntil(endPresences(this.context(), gone.presences));
    if (gone && this.keeper && this.store.count() === 0) this.settle();
    const seat = gone && !this.keeper && this.store.count() === 0 ? this.seat.leave() : null;
    if (seat) this.ctx.waitUntil(shard(this.env, KEEPER).vacate(seat.index, seat.epoch).catch((err: unknown) => console.error('[realtime] vacate failed', err)));
  }
}
