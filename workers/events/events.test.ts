import { env } from 'cloudflare:workers';
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { consumeEvents, MESSAGE_RECEIPT, type EventHandler } from './consumer';
import { makeEvent, type LedgeEvent } from './event';
import { eventMatches, expandEventNames, matchesAny } from './match';
import { publishAfterCommit, registerSink, afterCommitSinks } from './publish';
import { countingDb } from '../../test/d1-counter';

describe('expandEventNames (Appwrite generateEvents)', () => {
  it('lists a row event under every wildcard combination, in both families, the concrete name first', () => {
    const names = expandEventNames('databases.db.tables.t.rows.r.create');
    expect(names[0]).toBe('databases.db.tables.t.rows.r.create');
    for (const expected of [
      'databases.db.collections.t.documents.r.create', 'databases.*.tables.*.rows.*.create', 'databases.*.collections.*.documents.*.create',
      'databases.db.tables.t.rows.*.create', 'databases.*.tables.t.rows.r', 'databases.db.tables.t.rows.r', 'databases.*.tables.*',
      'databases.db.tables.t', 'databases.db', 'databases.*', 'databases.*.collections.*',
    ]) expect(names).toContain(expected);
    expect(names).toHaveLength(42);
    expect(new Set(names).size).toBe(names.length);
    // Every generated name is one a subscriber's pattern would match the concrete event with.
    for (const pattern of names.filter((e) => e.includes('.tables.') || e.split('.').length <= 2)) {
      expect(eventMatches(pattern, 'databases.db.tables.t.rows.r.create'), pattern).toBe(true);
    }
  });

  it('keeps the attribute and the bare action of user and membership events', () => {
    expect(expandEventNames('users.u1.update.email')).toEqual(['users.u1.update.email', 'users.*.update.email', 'users.u1.update', 'users.*.update', 'users.u1', 'users.*']);
    expect(expandEventNames('teams.t1.memberships.m1.update.status')).toEqual([
      'teams.t1.memberships.m1.update.status', 'teams.*.memberships.m1.update.status', 'teams.t1.memberships.*.update.status', 'teams.*.memberships.*.update.status',
      'teams.t1.memberships.m1.update', 'teams.*.memberships.m1.update', 'teams.t1.memberships.*.update', 'teams.*.memberships.*.update',
      'teams.t1.memberships.m1', 'teams.*.memberships.m1', 'teams.t1.memberships.*', 'teams.*.memberships.*',
      'teams.t1.update.status', 'teams.*.update.status', 'teams.t1', 'teams.*',
    ]);
    expect(expandEventNames('users.u1.sessions.s1.create')).toContain('users.*.sessions.*.create');
  });
});

describe('eventMatches (Appwrite wildcard semantics)', () => {
  const name = 'databases.db1.tables.t1.rows.r1.update';
  it.each([
    [name, true],
    ['databases.*.tables.*.rows.*.update', true],
    ['databases.db1.tables.*', true],
    ['databases.*', true],
    ['databases.*.tables.*.rows.*', true],
    ['databases.*.tables.*.rows.*.create', false],
    ['databases.db2.tables.*', false],
    ['databases', false],
    ['databases.*.tables', false],
    ['*.*.tables.*.rows.*.update', true],
    [`${name}.extra`, false],
    ['', false],
  ])('%s → %s', (pattern, expected) => {
    expect(eventMatches(pattern, name)).toBe(expected);
  });

  it('an attribute event is heard by its action and by the full name', () => {
    expect(eventMatches('users.*.update', 'users.u1.update.email')).toBe(true);
    expect(eventMatches('users.*.update.email', 'users.u1.update.email')).toBe(true);
    expect(eventMatches('users.*.update.name', 'users.u1.update.email')).toBe(false);
    expect(eventMatches('users.*.update', 'users.u1.sessions.s1.create')).toBe(false);
  });

  it('matchesAny looks at every name an event is known by', () => {
    const names = ['databases.d.tables.t.rows.r.create', 'databases.d.collections.t.documents.r.create'];
    expect(matchesAny(['databases.*.collections.*.documents.*.create'], names)).toBe(true);
    expect(matchesAny(['buckets.*'], names)).toBe(false);
  });
});

async function consume(event: LedgeEvent, handlers: EventHandler[]) {
  const batch = createMessageBatch('ledge-events', [{ id: `m-${crypto.randomUUID()}`, timestamp: new Date(), attempts: 1, body: event }]);
  const ctx = createExecutionContext();
  await consumeEvents(batch, env, handlers);
  return getQueueResult(batch, ctx);
}

async function receipts(event: LedgeEvent): Promise<string[]> {
  const { results } = await env.DB.prepare('SELECT handler FROM event_receipts WHERE message_id = ? ORDER BY handler').bind(event.id).all<{ handler: string }>();
  return results.map((r) => r.handler);
}

describe('consumeEvents: per-handler receipts', () => {
  it('a failing delivery is retried alone; what already ran does not run again', async () => {
    const event = makeEvent(['users.u1.create'], { $id: 'u1' }, ['user:u1']);
    const ran: string[] = [];
    let webhookUp = false;
    const handlers: EventHandler[] = [
      { name: 'functions', events: ['users.*.create'], targets: async () => ['f1', 'f2'], handle: async (_e, _env, t) => void ran.push(`fn:${t}`) },
      {
        name: 'webhooks',
        handle: async () => {
          ran.push('webhook');
          if (!webhookUp) throw new Error('endpoint down');
        },
      },
      { name: 'other', events: ['teams.*'], handle: async () => void ran.push('other') },
    ];
    expect((await consume(event, handlers)).retryMessages).toHaveLength(1);
    expect(ran).toEqual(['fn:f1', 'fn:f2', 'webhook']);
    expect(await receipts(event)).toEqual(['functions:f1', 'functions:f2']);

    webhookUp = true;
    const second = await consume(event, handlers);
    expect(second.retryMessages).toHaveLength(0);
    expect(second.explicitAcks).toHaveLength(1);
    expect(ran).toEqual(['fn:f1', 'fn:f2', 'webhook', 'webhook']);
    expect(await receipts(event)).toEqual([MESSAGE_RECEIPT, 'functions:f1', 'functions:f2', 'webhooks']);

    // Fully handled: a redelivery runs nothing.
    await consume(event, handlers);
    expect(ran).toHaveLength(4);
  });
});

describe('consumeEvents: one read and one receipt write per message batch', () => {
  it('reads receipts and subscriptions once, writes the message receipts together, runs a repeated event once', async () => {
    const counted = countingDb(env.DB);
    const ran: string[] = [];
    const subscribed: EventHandler = {
      name: 'subscribed',
      subscriptions: {
        statement: (e) => e.DB.prepare("SELECT 'h1' AS id, '[\"users.*.update\"]' AS events"),
        pick: (event, rows) => rows.filter((r) => matchesAny(JSON.parse(String(r.events)) as string[], event.events)).map((r) => String(r.id)),
      },
      handle: async (e, _env, target) => void ran.push(`${target}:${e.id}`),
    };
    const events = Array.from({ length: 20 }, (_, i) => makeEvent([`users.u${i}.${i % 4 === 0 ? 'update' : 'create'}`], { $id: `u${i}` }, []));
    const messages = [...events, events[0]].map((body) => ({ id: `m-${crypto.randomUUID()}`, timestamp: new Date(), attempts: 1, body }));
    const batch = createMessageBatch('ledge-events', messages);
    const ctx = createExecutionContext();
    await consumeEvents(batch, { ...env, DB: counted.db }, [subscribed]);
    const result = await getQueueResult(batch, ctx);
    expect([result.explicitAcks.length, result.retryMessages.length]).toEqual([21, 0]);
    expect(ran.sort()).toEqual(events.filter((_, i) => i % 4 === 0).map((e) => `h1:${e.id}`).sort());
    // The read, one receipt per delivered target (5), then every message receipt in one batch.
    expect(counted.trips).toHaveLength(1 + 5 + 1);
    expect(counted.trips[0].some((sql) => sql.includes('FROM event_receipts'))).toBe(true);
    for (const e of events) expect(await receipts(e)).toEqual(ran.some((r) => r.endsWith(e.id)) ? [MESSAGE_RECEIPT, 'subscribed:h1'] : [MESSAGE_RECEIPT]);
    // Redelivered after that: acked without running anything again.
    await consumeEvents(createMessageBatch('ledge-events', messages.slice(0, 3)), env, [subscribed]);
    expect(ran).toHaveLength(5);
  });
});

describe('publishAfterCommit', () => {
  it('hands the events to every sink, and a failing sink does not stop the others', async () => {
    const seen: string[] = [];
    // The wired sinks (queue; realtime once workers/index.ts is loaded) stay as they are.
    const wired = afterCommitSinks().map((s) => s.name);
    const removals = [
      registerSink({ name: 'test-broken', deliver: async () => Promise.reject(new Error('down')) }),
      registerSink({ name: 'test-probe', deliver: async (_env, events) => void seen.push(...events.map((e) => e.events[0])) }),
    ];
    expect(afterCommitSinks().map((s) => s.name)).toEqual(expect.arrayContaining(['queue', 'test-broken', 'test-probe']));
    const waits: Promise<unknown>[] = [];
    const errors = console.error;
    console.error = () => {};
    try {
      publishAfterCommit({ env, executionCtx: { waitUntil: (p) => void waits.push(p) } }, [makeEvent(['probe.sinks'], {}, [])]);
      await Promise.all(waits);
    } finally {
      console.error = errors;
      for (const remove of removals) remove();
    }
    expect(seen).toEqual(['probe.sinks']);
    expect(waits).toHaveLength(wired.length + 2);
    publishAfterCommit({ env, executionCtx: { waitUntil: (p) => void waits.push(p) } }, []);
    expect(waits).toHaveLength(wired.length + 2);
    expect(afterCommitSinks().map((s) => s.name)).toEqual(wired);
  });
});
