import type { LedgeEvent } from './event';

/**
 * Events as Queue messages within Cloudflare's limits, counted in bytes (UTF-8), not UTF-16 units:
 * a message holds at most 128 KB and one `sendBatch` at most 256 KB and 100 messages. Budgets
 * leave room for the platform's per-message overhead.
 */
export const MESSAGE_BUDGET_BYTES = 100_000;
export const BATCH_BUDGET_BYTES = 240_000;
export const BATCH_MAX_MESSAGES = 100;

const utf8 = new TextEncoder();

export interface SizedMessage {
  body: LedgeEvent;
  contentType: 'json';
  bytes: number;
}

function encodedSize(value: unknown): number | null {
  try {
    return utf8.encode(JSON.stringify(value)).byteLength;
  } catch {
    // Too deep or otherwise unserialisable: sent without its payload rather than lost.
    return null;
  }
}

/**
 * The event as it can travel: whole when it fits, otherwise without its payload body (consumers
 * refetch by `$id`), never dropped.
 */
export function sizedMessage(event: LedgeEvent): SizedMessage {
  const size = encodedSize(event);
  if (size !== null && size <= MESSAGE_BUDGET_BYTES) return { body: event, contentType: 'json', bytes: size };
  const id = typeof event.payload.$id === 'string' ? event.payload.$id : null;
  const body: LedgeEvent = { ...event, payload: { $id: id, truncated: true } };
  return { body, contentType: 'json', bytes: encodedSize(body) ?? MESSAGE_BUDGET_BYTES };
}

/** Messages grouped into `sendBatch` calls that each stay within the batch limits. */
export function queueBatches(events: LedgeEvent[]): SizedMessage[][] {
  const batches: SizedMessage[][] = [];
  let current: SizedMessage[] = [];
  let bytes = 0;
  for (const message of events.map(sizedMessage)) {
    if (current.length && (current.length === BATCH_MAX_MESSAGES || bytes + message.bytes > BATCH_BUDGET_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += message.bytes;
  }
  if (current.length) batches.push(current);
  return batches;
}
