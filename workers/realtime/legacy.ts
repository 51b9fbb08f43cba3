import { ApiError } from '../lib/errors';
import { parseRuntimeQueries } from '../lib/query';
import type { SubscriptionRequest } from './hub/types';

/**
 * Legacy URL mode (Flutter and older SDKs): `?channels[]=a&channels[]=b`, and per channel optional
 * query parameters named after the channel with dots as underscores (PHP renames them so):
 * `<key>=<query>` or `<key>[]=<q>` opens one subscription per value, `<key>[i][]=<q>` puts several
 * queries in subscription i — Appwrite's `Realtime::constructSubscriptions`. Channels without
 * parameters share subscription 0, which listens to everything unless a channel gave it queries.
 */
export function urlChannels(params: URLSearchParams): string[] {
  const out: string[] = [];
  for (const [name, value] of params) if (/^channels(\[\d*\])?$/.test(name) && value && !out.includes(value)) out.push(value);
  return out;
}

/** Query strings per subscription index named for `channel` in the URL, or null when there are none. */
function channelParams(params: URLSearchParams, channel: string): Map<number, string[]> | null {
  const keys = [channel.replaceAll('.', '_'), channel];
  const slots = new Map<number, string[]>();
  let next = 0;
  for (const [name, value] of params) {
    const key = keys.find((k) => name === k || name.startsWith(`${k}[`));
    if (!key) continue;
    // `project` is the project id, not a channel's queries.
    if (key === 'project' && name === 'project') continue;
    const m = /^\[(\d*)\](\[\])?$/.exec(name.slice(key.length));
    if (name !== key && !m) continue;
    const index = !m || m[1] === '' ? next++ : Number(m[1]);
    if (m && m[1] !== '') next = Math.max(next, index + 1);
    slots.set(index, [...(slots.get(index) ?? []), value]);
  }
  return slots.size ? slots : null;
}

function wire(raw: string[]): string[] {
  try {
    return parseRuntimeQueries(raw).strings;
  } catch (err) {
    if (err instanceof ApiError) throw new ApiError('realtime_policy_violation', err.message);
    throw err;
  }
}

/** The subscriptions a legacy URL asks for, by index (the keys of the `connected` frame's map). */
export function urlSubscriptions(params: URLSearchParams, channels: readonly string[]): (SubscriptionRequest & { index: number })[] {
  const subs = new Map<number, SubscriptionRequest>();
  const slot = (i: number) => subs.get(i) ?? subs.set(i, { channels: [], queries: [] }).get(i)!;
  for (const channel of channels) {
    const given = channelParams(params, channel);
    if (!given) {
      const s = slot(0);
      s.channels.push(channel);
      if (s.queries.length === 0) s.queries = ['{"method":"select","values":["*"]}'];
      continue;
    }
    for (const [index, raw] of given) {
      const s = slot(index);
      if (!s.channels.includes(channel)) s.channels.push(channel);
      if (s.queries.length === 0) s.queries = wire(raw);
    }
  }
  return [...subs.entries()].sort(([a], [b]) => a - b).map(([index, s]) => ({ index, ...s }));
}
