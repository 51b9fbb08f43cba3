/**
 * Every frame a client can send, wrong: each gets Appwrite's error frame (1003 and the socket stays
 * open; a policy violation 1008 and the socket closes; 1013 past 32 frames a minute), never a
 * crash, and the other sockets on the hub carry on.
 */
import { describe, expect, it } from 'vitest';
import { asRoot, okJson } from '../../test/helpers';
import { uniqueId } from '../lib/ids';
import { LIMITS } from './limits';
import { connect } from './testing/socket';

const formatError = (message: string) => ({ type: 'error', data: { code: 1003, message } });

describe('garbage frames', () => {
  it.each([
    ['malformed JSON', '{"type":', 'Message format is not valid.'],
    ['a JSON number', '42', 'Message format is not valid.'],
    ['null', 'null', 'Message format is not valid.'],
    ['an array', '[{"type":"ping"}]', 'Message format is not valid.'],
    ['an object without type or data', '{"hello":1}', 'Message format is not valid.'],
    ['an unknown type', '{"type":"launch","data":{}}', 'Message type is not valid.'],
    ['a type that is an object', '{"type":{"x":1}}', 'Message type is not valid.'],
    ['data without type', '{"data":[]}', 'Message type is not valid.'],
    ['subscribe without data', '{"type":"subscribe"}', 'Payload is not valid. Items is required'],
    ['subscribe with an object', '{"type":"subscribe","data":{"channels":["rows"]}}', 'items: Payload is not valid.'],
    ['subscribe with a string item', '{"type":"subscribe","data":["rows"]}', 'items: Each subscribe payload must be an object.'],
    ['subscribe without channels', '{"type":"subscribe","data":[{"queries":[]}]}', 'items: channels is not present in payload.'],
    ['subscribe with channels not a list', '{"type":"subscribe","data":[{"channels":"rows"}]}', 'items: channels is not a valid array.'],
    ['subscribe with a numeric channel', '{"type":"subscribe","data":[{"channels":[1]}]}', 'items: channels must contain only strings.'],
    ['subscribe with a bad id', '{"type":"subscribe","data":[{"subscriptionId":"-bad id","channels":["rows"]}]}', 'items: subscriptionId is not a valid id.'],
    ['subscribe with queries not a list', '{"type":"subscribe","data":[{"channels":["rows"],"queries":"x"}]}', 'items: queries is not a valid array.'],
    ['subscribe with an unsupported query', `{"type":"subscribe","data":[{"channels":["rows"],"queries":[${JSON.stringify(JSON.stringify({ method: 'search', attribute: 'a', values: ['x'] }))}]}]}`, "Invalid query: Query method 'search' is not supported in Realtime queries. Allowed: equal, notEqual, lessThan, lessThanEqual, greaterThan, greaterThanEqual, isNull, isNotNull, and, or, select"],
    ['subscribe with a broken query', '{"type":"subscribe","data":[{"channels":["rows"],"queries":["{nope"]}]}', 'Invalid query: Syntax error'],
    ['unsubscribe without ids', '{"type":"unsubscribe","data":[{}]}', 'items: Each unsubscribe payload must include a non-empty subscriptionId.'],
    ['authentication without session', '{"type":"authentication","data":{}}', 'Payload is not valid. Session is required'],
    ['authentication with a number', '{"type":"authentication","data":{"session":5}}', 'session: Value must be a valid string and no longer than 2048 chars'],
    ['presence without status', '{"type":"presence","data":{}}', 'Payload is not valid. Status is required'],
    ['replay without since', '{"type":"replay","data":{}}', 'Payload is not valid. Since is required'],
    ['replay with a bad date', '{"type":"replay","data":{"since":"yesterday"}}', 'since: Value must be a valid date in ISO 8601 format'],
  ])('%s → error 1003, the socket stays open', async (_name, frame, message) => {
    const socket = await connect();
    const from = socket.frames.length;
    socket.send(frame);
    expect(await socket.next(() => true, from)).toEqual(formatError(message));
    expect((await socket.request({ type: 'ping' })).type).toBe('pong');
    expect(socket.closed).toBeNull();
    socket.close();
  });

  it('a binary frame is a format error', async () => {
    const socket = await connect();
    socket.send(new Uint8Array([1, 2, 3]).buffer as unknown as string);
    expect(await socket.next((f) => f.type === 'error')).toEqual(formatError('Message format is not valid.'));
    socket.close();
  });

  it('a presence from a guest is refused without closing', async () => {
    const socket = await connect();
    expect(await socket.request({ type: 'presence', data: { status: 'online' } })).toEqual({ type: 'error', data: { code: 401, message: 'User must be authorized' } });
    expect(socket.closed).toBeNull();
    socket.close();
  });

  it('a huge frame is a policy violation: error 1008 and close, while a neighbour is untouched', async () => {
    const neighbour = await connect();
    await neighbour.subscribe(['files']);
    const socket = await connect();
    socket.send(JSON.stringify({ type: 'subscribe', data: [{ channels: ['rows'], queries: ['x'.repeat(LIMITS.frameBytes)] }] }));
    const error = await socket.next((f) => f.type === 'error');
    expect(error.data).toEqual({ code: 1008, message: `Message is too large. Frames are limited to ${LIMITS.frameBytes} bytes.` });
    expect((await socket.waitClosed()).code).toBe(1008);
    expect((await neighbour.request({ type: 'ping' })).type).toBe('pong');
    expect(neighbour.closed).toBeNull();
    neighbour.close();
  });

  it('a frame sent before `connected` was read is answered after it: the hub sends `connected` as it accepts', async () => {
    const socket = await connect();
    expect(socket.frames[0].type).toBe('connected');
    socket.send({ type: 'subscribe', data: [{ channels: ['files'] }] });
    expect((await socket.next((f) => f.type !== 'connected')).data).toMatchObject({ to: 'subscribe', success: true });
    socket.close();
  });
});

describe('limits', () => {
  it('more than 32 frames a minute are refused with 1013; runtime-answered pings do not count', async () => {
    const socket = await connect();
    for (let i = 0; i < 50; i++) socket.send('{"type":"ping"}');
    await socket.settle();
    for (let i = 0; i < LIMITS.messagesPerMinute; i++) socket.send({ type: 'ping', data: {} });
    await socket.settle();
    expect(socket.frames.filter((f) => f.type === 'error')).toEqual([]);
    expect(await socket.request({ type: 'ping', data: {} })).toEqual({ type: 'error', data: { code: 1013, message: 'Too many messages.' } });
    expect(socket.closed).toBeNull();
    socket.close();
  });

  it('subscriptions per connection are bounded: past the limit is a policy violation', async () => {
    const socket = await connect();
    const batch = Array.from({ length: LIMITS.subscriptionsPerSocket }, (_, i) => ({ subscriptionId: `s${i}`, channels: [`files.f${i}`] }));
    expect((await socket.request({ type: 'subscribe', data: batch })).type).toBe('response');
    // Re-sending an id replaces it and stays within the limit.
    expect((await socket.request({ type: 'subscribe', data: [{ subscriptionId: 's0', channels: ['files'] }] })).type).toBe('response');
    const refused = await socket.request({ type: 'subscribe', data: [{ subscriptionId: 'one-more', channels: ['files'] }] });
    expect(refused).toEqual({ type: 'error', data: { code: 1008, message: `A connection may hold at most ${LIMITS.subscriptionsPerSocket} subscriptions.` } });
    expect((await socket.waitClosed()).code).toBe(1008);
  });

  it('channels per subscription and their length are bounded', async () => {
    const many = await connect();
    const tooMany = Array.from({ length: LIMITS.channelsPerSubscription + 1 }, (_, i) => `files.f${i}`);
    expect((await many.request({ type: 'subscribe', data: [{ channels: tooMany }] })).data!.code).toBe(1008);
    const long = await connect();
    expect((await long.request({ type: 'subscribe', data: [{ channels: ['x'.repeat(LIMITS.channelLength + 1)] }] })).data!.code).toBe(1008);
  });

  it(`opening more than ${LIMITS.connectionsPerMinute} sockets a minute from one IP is refused with 1013`, async () => {
    const ip = `10.250.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    const sockets = [];
    for (let i = 0; i < LIMITS.connectionsPerMinute; i++) sockets.push(await connect('', { 'CF-Connecting-IP': ip }));
    expect(sockets.every((s) => s.frames[0].type === 'connected')).toBe(true);
    const refused = await connect('', { 'CF-Connecting-IP': ip });
    expect(refused.frames[0]).toEqual({ type: 'error', data: { code: 1013, message: 'Too many requests' } });
    expect((await refused.waitClosed()).code).toBe(1013);
    const elsewhere = await connect();
    expect(elsewhere.frames[0].type).toBe('connected');
    for (const s of [...sockets, elsewhere]) s.close();
  });
});

describe('the attachment stays small', () => {
  it('a socket with the most subscriptions keeps its hibernation attachment far under 16 KiB', async () => {
    const db = `rt${uniqueId()}`;
    await okJson(await asRoot('/v1/tablesdb', { method: 'POST', json: { databaseId: db, name: 'RT' } }), 201);
    const socket = await connect();
    const query = JSON.stringify({ method: 'equal', attribute: 'status', values: Array.from({ length: 20 }, (_, i) => `value-${i}`) });
    const batch = Array.from({ length: 50 }, (_, i) => ({ subscriptionId: `s${i}`, channels: [`tablesdb.${db}.tables.t${i}.rows`, 'files', 'account'], queries: [query] }));
    expect((await socket.request({ type: 'subscribe', data: batch })).type).toBe('response');
    const { env } = await import('cloudflare:workers');
    const { runInDurableObject } = await import('cloudflare:test');
    let largest = 0;
    for (let i = 0; i < 16; i++) {
      await runInDurableObject(env.REALTIME.get(env.REALTIME.idFromName(`shard:${i}`)), (_instance, state) => {
        for (const ws of state.getWebSockets()) largest = Math.max(largest, JSON.stringify(ws.deserializeAttachment()).length);
      });
    }
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThan(512);
    socket.close();
  });
});
