/**
 * Issue 10, defect 11 (and the event half of 7): Queue limits are bytes — 128 KB per message,
 * 256 KB and 100 messages per sendBatch — so events are sized in UTF-8, batched within both
 * limits, and an event too big (or too deep) to serialise is sent without its payload, never lost.
 */
import { describe, expect, it } from 'vitest';
import { makeEvent, type LedgeEvent } from '../../workers/events/event';
import { publishEvents } from '../../workers/events/publish';

const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).byteLength;

async function published(events: LedgeEvent[]) {
  const batches: { body: LedgeEvent; contentType?: string }[][] = [];
  const env = { EVENTS: { sendBatch: async (messages: { body: LedgeEvent }[]) => void batches.push(messages) } } as unknown as Env;
  await publishEvents(env, events);
  return batches;
}

function expectWithinLimits(batches: { body: LedgeEvent }[][], events: LedgeEvent[]) {
  for (const batch of batches) {
    expect(batch.length).toBeLessThanOrEqual(100);
    expect(batch.reduce((sum, m) => sum + bytes(m.body), 0)).toBeLessThanOrEqual(256_000);
    for (const m of batch) expect(bytes(m.body)).toBeLessThanOrEqual(128_000);
  }
  expect(batches.flat().map((m) => m.body.id)).toEqual(events.map((e) => e.id));
}

describe('event sizes in bytes', () => {
  it('truncates a payload that is small in UTF-16 units but over 128 KB in UTF-8', async () => {
    const event = makeEvent(['users.x.update'], { $id: 'x', name: '€'.repeat(60_000) }, ['any']);
    const batches = await published([event]);
    expectWithinLimits(batches, [event]);
    expect(batches[0][0].body.payload).toEqual({ $id: 'x', truncated: true });
  });

  it('splits many mid-sized events so no sendBatch passes 256 KB', async () => {
    const events = Array.from({ length: 30 }, (_, i) => makeEvent(['rows.create'], { $id: `r${i}`, text: 'a'.repeat(50_000) }, ['any']));
    const batches = await published(events);
    expect(batches.length).toBeGreaterThan(1);
    expectWithinLimits(batches, events);
    expect(batches.flat().every((m) => m.body.payload.truncated === undefined)).toBe(true);
  });

  it('still batches at most 100 small events per call', async () => {
    const events = Array.from({ length: 250 }, (_, i) => makeEvent(['rows.create'], { $id: `s${i}` }, ['any']));
    const batches = await published(events);
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expectWithinLimits(batches, events);
  });

  it('sends an event whose payload cannot be serialised (200,000 deep) without it, instead of dying', async () => {
    let deep: unknown = {};
    for (let i = 0; i < 200_000; i++) deep = [deep];
    const event = makeEvent(['users.x.update.prefs'], { $id: 'deep', prefs: deep }, ['any']);
    const batches = await published([event]);
    expect(batches[0][0].body.payload).toEqual({ $id: 'deep', truncated: true });
  });
});
