/**
 * The queue carries only events a subscription wants (subscribers.ts): a signed-in row create
 * reads `event_subscriptions.version` in its own batch; triggers raise that version on any change
 * to functions and webhooks, so a per-isolate copy of the subscriptions decides without I/O while
 * it is current, and is read again the moment it is not.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { countingDb } from '../../test/d1-counter';
import { asRoot, callSettled, okJson, signedInUser } from '../../test/helpers';
import { uniqueId } from '../lib/ids';
import { nowDate } from '../lib/time';
import type { EventHandler } from './consumer';
import { makeEvent, type LedgeEvent } from './event';
import { eventsWanted, forgetSubscriptions, SUBSCRIPTIONS_VERSION_SQL } from './subscribers';

const version = async () => Number((await env.DB.prepare(SUBSCRIPTIONS_VERSION_SQL).first<{ version: number }>())?.version);

async function addWebhook(events: string[], enabled = true): Promise<string> {
  const id = uniqueId();
  await env.DB.prepare('INSERT INTO webhooks (id, name, url, events, enabled, signature_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .bind(id, 'hook', 'https://hooks.example/in', JSON.stringify(events), enabled ? 1 : 0, 'key', nowDate(), nowDate()).run();
  return id;
}

async function addFunction(events: string[], deploymentId: string): Promise<string> {
  const id = uniqueId();
  await env.DB.prepare('INSERT INTO functions (id, name, runtime, events, deployment_id, schedule_since, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .bind(id, 'fn', 'node-22', JSON.stringify(events), deploymentId, nowDate(), nowDate(), nowDate()).run();
  return id;
}

let db: string;
let cookie: string;

beforeAll(async () => {
  db = `sb${uniqueId().slice(0, 10)}`;
  await okJson(await asRoot('/v1/tablesdb', { method: 'POST', json: { databaseId: db, name: 'Subs' } }), 201);
  await okJson(await asRoot(`/v1/tablesdb/${db}/tables`, { method: 'POST', json: { tableId: 'notes', name: 'notes', permissions: ['create("users")'], rowSecurity: false } }), 201);
  await okJson(await asRoot(`/v1/tablesdb/${db}/tables/notes/columns/string`, { method: 'POST', json: { key: 'text', size: 50, required: true } }), 202);
  cookie = (await signedInUser()).cookieValue;
  await createRow(); // the first create caches the table's definition; the fast path needs it
});

beforeEach(() => forgetSubscriptions());

/** A signed-in create through the app; resolves once its after-commit work is done, with what it queued. */
async function createRow(): Promise<{ id: string; queued: LedgeEvent[] }> {
  const queued: LedgeEvent[] = [];
  const EVENTS = {
    send: (body: LedgeEvent, o?: QueueSendOptions) => (queued.push(body), env.EVENTS.send(body, o)),
    sendBatch: (messages: MessageSendRequest<LedgeEvent>[], o?: QueueSendBatchOptions) => (queued.push(...messages.map((m) => m.body)), env.EVENTS.sendBatch(messages, o)),
  };
  const id = uniqueId();
  const res = await callSettled(`/v1/tablesdb/${db}/tables/notes/rows`, { method: 'POST', headers: { 'X-Appwrite-Session': cookie }, json: { rowId: id, data: { text: 'hi' } } }, { EVENTS: EVENTS as unknown as Env['EVENTS'] });
  expect(res.status, await res.text()).toBe(201);
  return { id, queued };
}

const rowEvents = (queued: LedgeEvent[], id: string) => queued.filter((e) => e.events[0]?.endsWith(`.rows.${id}.create`));

describe('the subscriptions version', () => {
  it('moves with every change a subscription read could see, and not with delivery bookkeeping', async () => {
    let v = await version();
    const moved = async () => {
      const now = await version();
      const did = now > v;
      v = now;
      return did;
    };
    const hook = await addWebhook(['users.*.create']);
    expect(await moved()).toBe(true);
    await env.DB.prepare('UPDATE webhooks SET attempts = 3, logs = ? WHERE id = ?').bind('failed', hook).run();
    expect(await moved()).toBe(false);
    await env.DB.prepare('UPDATE webhooks SET enabled = 0 WHERE id = ?').bind(hook).run();
    expect(await moved()).toBe(true);
    await env.DB.prepare('UPDATE webhooks SET events = ? WHERE id = ?').bind('["teams.*"]', hook).run();
    expect(await moved()).toBe(true);
    await env.DB.prepare('DELETE FROM webhooks WHERE id = ?').bind(hook).run();
    expect(await moved()).toBe(true);
    const fn = await addFunction(['users.*.create'], '');
    expect(await moved()).toBe(true);
    await env.DB.prepare("UPDATE functions SET deployment_id = 'd1' WHERE id = ?").bind(fn).run();
    expect(await moved()).toBe(true);
    await env.DB.prepare("UPDATE functions SET name = 'renamed', schedule = '' WHERE id = ?").bind(fn).run();
    expect(await moved()).toBe(false);
    await env.DB.prepare('DELETE FROM functions WHERE id = ?').bind(fn).run();
    expect(await moved()).toBe(true);
  });
});

describe('a row create queues only what a subscription wants', () => {
  it('nothing subscribed: nothing queued; a webhook or a deployed function that wants it: queued, at once', async () => {
    const none = await createRow();
    expect(none.queued).toEqual([]);

    // Created after the isolate's copy was made: the next create's batch sees the new version.
    const hook = await addWebhook([`databases.${db}.tables.notes.rows.*.create`]);
    const heard = await createRow();
    expect(rowEvents(heard.queued, heard.id)).toHaveLength(1);

    await env.DB.prepare('UPDATE webhooks SET enabled = 0 WHERE id = ?').bind(hook).run();
    expect((await createRow()).queued).toEqual([]);
    await env.DB.prepare('UPDATE webhooks SET enabled = 1, events = ? WHERE id = ?').bind('["databases.*.tables.*.rows.*.update"]', hook).run();
    expect((await createRow()).queued).toEqual([]);

    // A function triggers only once deployed (functions/triggers.ts reads deployment_id).
    const fn = await addFunction(['databases.*.tables.*.rows.*'], '');
    expect((await createRow()).queued).toEqual([]);
    await env.DB.prepare("UPDATE functions SET deployment_id = 'd1' WHERE id = ?").bind(fn).run();
    const triggered = await createRow();
    expect(rowEvents(triggered.queued, triggered.id)).toHaveLength(1);
  });
});

describe('eventsWanted', () => {
  const event = makeEvent(['databases.d.tables.t.rows.r.create'], { $id: 'r' }, []);
  const listing: EventHandler = {
    name: 'listing',
    subscriptions: {
      statement: (e) => e.DB.prepare("SELECT id, events FROM webhooks WHERE enabled = 1 AND name = 'listing'"),
      pick: (ev, rows) => rows.filter((r) => (JSON.parse(String(r.events)) as string[]).some((p) => ev.events.includes(p))).map((r) => String(r.id)),
    },
    async handle() {},
  };

  it('a copy at least as new as the commit decides with no D1 trip; an older one is read again', async () => {
    const counted = countingDb(env.DB);
    const v = await version();
    expect(await eventsWanted({ ...env, DB: counted.db }, [event], v, [listing])).toEqual([]);
    expect(counted.trips).toHaveLength(1);
    counted.reset();
    expect(await eventsWanted({ ...env, DB: counted.db }, [event], v, [listing])).toEqual([]);
    expect(await eventsWanted({ ...env, DB: counted.db }, [event], v - 1, [listing])).toEqual([]);
    expect(counted.trips).toHaveLength(0);

    await env.DB.prepare('INSERT INTO webhooks (id, name, url, events, signature_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .bind(uniqueId(), 'listing', 'https://hooks.example/in', JSON.stringify(['databases.d.tables.t.rows.r.create']), 'key', nowDate(), nowDate()).run();
    expect(await eventsWanted({ ...env, DB: counted.db }, [event], await version(), [listing])).toEqual([event]);
    expect(counted.trips).toHaveLength(1);
  });

  it('a handler without subscriptions wants what its patterns match; a failed read sends everything', async () => {
    const blind: EventHandler = { name: 'blind', events: ['databases.*.tables.*.rows.*.create'], async handle() {} };
    const other = makeEvent(['users.u.create'], {}, []);
    expect(await eventsWanted(env, [event, other], await version(), [blind])).toEqual([event]);
    const broken = { ...env, DB: { batch: () => Promise.reject(new Error('D1 is down')), prepare: env.DB.prepare.bind(env.DB) } as unknown as D1Database };
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await eventsWanted(broken, [event, other], 1e9, [listing])).toEqual([event, other]);
    expect(logged).toHaveBeenCalledOnce();
    logged.mockRestore();
  });
});
