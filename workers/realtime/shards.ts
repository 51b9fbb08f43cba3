/**
 * Realtime hub shards: sockets spread at random over `REALTIME_SHARDS` RealtimeHub objects, each
 * filtering its own sockets. One object keeps at most 32,768 hibernated sockets and serves about
 * 1,000 requests a second, so the shard count bounds how many sockets one object fans out to.
 *
 * Shard 0 is also the replay keeper (hub/replay.ts): a publish goes to it alone, it records what is
 * published and forwards it to the shards holding sockets (hub/occupancy.ts), and it answers every
 * other shard's replay requests. A write nobody listens to costs one RPC, however many shards.
 */

/** Ids are plain values (a hash of the name), so each isolate derives them once; stubs stay per request. */
const ids = new WeakMap<Env['REALTIME'], DurableObjectId[]>();

function shardId(ns: Env['REALTIME'], index: number): DurableObjectId {
  let known = ids.get(ns);
  if (!known) ids.set(ns, (known = []));
  return (known[index] ??= ns.idFromName(`shard:${index}`));
}

export function shard(env: Env, index: number) {
  return env.REALTIME.get(shardId(env.REALTIME, index));
}

export function allShards(env: Env, count: number) {
  return Array.from({ length: count }, (_, i) => shard(env, i));
}

export function randomShard(count: number): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] % count;
}

export const KEEPER = 0;

/** Whether the hub with this id is the replay keeper. */
export function isKeeper(env: Env, id: DurableObjectId): boolean {
  return shardId(env.REALTIME, KEEPER).equals(id);
}
