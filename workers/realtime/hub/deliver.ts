import { mayReceive } from '../../lib/permissions';
import type { HubStore, LiveSocket } from './store';
import type { HubMessage } from './types';

/**
 * Fan-out of one message inside a shard: the sockets whose subscriptions match the channels and
 * queries, minus those whose roles may not read it (the one evaluator's `mayReceive`), each sent
 * one `event` frame naming its matching subscription ids (the SDK drops frames without them).
 * The payload is serialised once per message, or once per distinct set of hidden parts.
 */
export interface Delivery {
  delivered: number;
  /** Sockets whose session expired; the caller closes them. */
  expired: LiveSocket[];
}

/** The event frame's opening, up to the subscriptions list; `replay` marks frames sent on request. */
export function framePrefix(msg: HubMessage, payloadJson: string, replay = false): string {
  const head = { events: msg.events, channels: msg.channels, timestamp: msg.timestamp, id: msg.id, ...(replay ? { replay: true } : {}) };
  return `{"type":"event","data":${JSON.stringify(head).slice(0, -1)},"payload":${payloadJson},"subscriptions":`;
}

/** The payload a holder of `roles` may see: parts in `hidden` that it may not read are removed. */
export function visiblePayload(msg: HubMessage, roles: readonly string[]): { json: string; key: string } {
  const hide = (msg.hidden ?? []).filter((h) => !mayReceive(roles, h.roles));
  if (hide.length === 0) return { json: '', key: '' };
  const copy = structuredClone(msg.payload) as Record<string, unknown>;
  const arrays = new Set<unknown[]>();
  for (const { path } of hide) {
    let node: unknown = copy;
    for (let i = 0; i < path.length - 1 && node !== null && typeof node === 'object'; i++) node = (node as Record<string | number, unknown>)[path[i]];
    if (node === null || typeof node !== 'object') continue;
    const last = path[path.length - 1];
    if (Array.isArray(node) && typeof last === 'number') {
      node[last] = HIDDEN;
      arrays.add(node);
    } else {
      delete (node as Record<string | number, unknown>)[last];
    }
  }
  // Array elements are marked first and dropped afterwards, so later paths keep their indices.
  for (const arr of arrays) {
    const kept = arr.filter((v) => v !== HIDDEN);
    arr.length = 0;
    arr.push(...kept);
  }
  return { json: JSON.stringify(copy), key: hide.map((h) => JSON.stringify(h.path)).join('|') };
}

const HIDDEN = Symbol('hidden');

/** Sends `msg` to every matching, authorised socket of the shard. */
export function deliver(store: HubStore, msg: HubMessage, now = Date.now()): Delivery {
  const out: Delivery = { delivered: 0, expired: [] };
  if (msg.roles.length === 0) return out;
  const matched = store.match(msg.channels, msg.payload);
  if (matched.size === 0) return out;
  const plain = framePrefix(msg, JSON.stringify(msg.payload));
  const redacted = new Map<string, string>();
  for (const [live, ids] of matched) {
    if (live.att.expires !== null && live.att.expires <= now) {
      out.expired.push(live);
      continue;
    }
    const roles = store.rolesOf(live);
    if (!mayReceive(roles, msg.roles)) continue;
    let prefix = plain;
    if (msg.hidden?.length) {
      const view = visiblePayload(msg, roles);
      if (view.key) {
        prefix = redacted.get(view.key) ?? framePrefix(msg, view.json);
        redacted.set(view.key, prefix);
      }
    }
    try {
      live.ws.send(`${prefix}${JSON.stringify(ids)}}}`);
      out.delivered++;
    } catch {
      // The socket closed under us; its close handler cleans up.
    }
  }
  return out;
}
