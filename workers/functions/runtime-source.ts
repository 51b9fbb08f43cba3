/**
 * The module Ledge puts in front of a function in its isolate: open-runtimes' Node contract
 * (`export default async ({ req, res, log, error }) => …`, or `module.exports = …`) on the Workers
 * runtime. It turns the request into `req`, collects `log`/`error` and console output per
 * execution (AsyncLocalStorage: a warm isolate may run several at once), applies the timeout, and
 * answers with one frame: a 4-byte length, a JSON head (status, headers, logs, errors), then the
 * body bytes as the function returned them.
 */
export const RUNTIME_MODULE = '__ledge/runtime.js';

/** Headers only Ledge sends to the isolate; the function never sees them. */
export const INTERNAL_HEADER_PREFIX = 'x-ledge-';

export function runtimeSource(entrypoint: string): string {
  const target = JSON.stringify(`../${entrypoint}`);
  return `import { AsyncLocalStorage } from 'node:async_hooks';
import { Buffer } from 'node:buffer';
import * as user from ${target};

// node:util adds several milliseconds to every cold isolate; plain strings (most logs) need none
// of it, so it loads only for the first log line with objects or format specifiers.
let utilFormat = null;
function format(...args) {
  if (args.every((a) => typeof a === 'string') && !(args[0] ?? '').includes('%')) return args.join(' ');
  utilFormat ??= process.getBuiltinModule('node:util').format;
  return utilFormat(...args);
}

const current = new AsyncLocalStorage();
const native = { log: console.log, info: console.info, debug: console.debug, warn: console.warn, error: console.error };
for (const [name, fn] of Object.entries(native)) {
  console[name] = (...args) => {
    const sink = current.getStore();
    if (!sink) return fn.apply(console, args);
    if (sink.logging) (name === 'error' || name === 'warn' ? sink.errors : sink.logs).push(format(...args));
  };
}

function pickHandler() {
  const main = user.default !== undefined ? user.default : user;
  if (typeof main === 'function') return main;
  if (main && typeof main.default === 'function') return main.default;
  return null;
}

function text(message) {
  if (message instanceof Error) return message.stack || String(message);
  if (message !== null && typeof message === 'object') {
    try { return JSON.stringify(message); } catch { return String(message); }
  }
  return String(message);
}

function toBytes(body) {
  if (body === undefined || body === null) return new Uint8Array(0);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  return new TextEncoder().encode(String(body));
}

const BINARY_TYPES = ['application/', 'audio/', 'font/', 'image/', 'video/'];

function context(request, url, bodyBinary, sink) {
  const headers = {};
  for (const [name, value] of request.headers) if (!name.startsWith(${JSON.stringify(INTERNAL_HEADER_PREFIX)})) headers[name] = value;
  const contentType = (headers['content-type'] || 'text/plain').toLowerCase();
  const scheme = url.protocol.replace(':', '');
  const defaultPort = scheme === 'https' ? 443 : 80;
  const port = url.port ? Number(url.port) : defaultPort;
  const queryString = url.search.startsWith('?') ? url.search.slice(1) : '';
  const query = {};
  for (const pair of queryString.split('&')) {
    const [key, ...rest] = pair.split('=');
    if (key) query[key] = rest.join('=');
  }
  const req = {
    get body() {
      if (contentType.startsWith('application/json')) return bodyBinary.length > 0 ? this.bodyJson : {};
      if (BINARY_TYPES.some((t) => contentType.startsWith(t))) return bodyBinary;
      return this.bodyText;
    },
    get bodyRaw() { return this.bodyText; },
    get bodyText() { return bodyBinary.toString('utf8'); },
    get bodyJson() { return JSON.parse(this.bodyText); },
    get bodyBinary() { return bodyBinary; },
    headers,
    method: request.method,
    host: url.hostname,
    scheme,
    port,
    path: url.pathname,
    queryString,
    query,
    url: scheme + '://' + url.hostname + (port === defaultPort ? '' : ':' + port) + url.pathname + (queryString ? '?' + queryString : ''),
  };
  const res = {
    binary(bytes, statusCode = 200, headers = {}) { return { body: bytes, statusCode, headers }; },
    text(body, statusCode = 200, headers = {}) { return this.binary(Buffer.from(String(body), 'utf8'), statusCode, headers); },
    send(body, statusCode = 200, headers = {}) { return this.text(String(body), statusCode, headers); },
    json(obj, statusCode = 200, headers = {}) { return this.text(JSON.stringify(obj), statusCode, { ...headers, 'content-type': 'application/json' }); },
    empty() { return this.text('', 204, {}); },
    redirect(target, statusCode = 301, headers = {}) { return this.text('', statusCode, { ...headers, location: target }); },
  };
  return {
    req,
    res,
    log(message) { if (sink.logging) sink.logs.push(text(message)); },
    error(message) { if (sink.logging) sink.errors.push(text(message)); },
  };
}

function frame(head, body) {
  const meta = new TextEncoder().encode(JSON.stringify(head));
  const out = new Uint8Array(4 + meta.length + body.length);
  new DataView(out.buffer).setUint32(0, meta.length);
  out.set(meta, 4);
  out.set(body, 4 + meta.length);
  return new Response(out, { headers: { 'content-type': 'application/x-ledge-execution' } });
}

export default {
  async fetch(request) {
    const handler = pickHandler();
    if (request.headers.get('x-ledge-probe') === '1') {
      return Response.json({ ok: handler !== null, exports: Object.keys(user) });
    }
    const url = new URL(request.url);
    const timeout = Number(request.headers.get('x-ledge-timeout') || 0);
    const sink = { logs: [], errors: [], logging: request.headers.get('x-ledge-logging') !== '0' };
    const bodyBinary = Buffer.from(await request.arrayBuffer());
    const ctx = context(request, url, bodyBinary, sink);
    let output = null;
    await current.run(sink, async () => {
      try {
        if (!handler) throw new Error('User function is not valid: export a function (export default async (context) => …).');
        const run = Promise.resolve().then(() => handler(ctx));
        if (timeout > 0) {
          let timer;
          const TIMED_OUT = Symbol('timeout');
          const expired = new Promise((resolve) => { timer = setTimeout(() => resolve(TIMED_OUT), timeout * 1000); });
          const first = await Promise.race([run, expired]);
          clearTimeout(timer);
          if (first === TIMED_OUT) {
            sink.errors.push('Execution timed out.');
            sink.timedOut = true;
            output = ctx.res.text('', 500, {});
            return;
          }
          output = first;
        } else {
          output = await run;
        }
      } catch (err) {
        sink.errors.push(text(err));
        output = ctx.res.text('', 500, {});
      }
    });
    if (output === null || output === undefined) {
      sink.errors.push('Return statement missing. return context.res.empty() if no response is expected.');
      output = ctx.res.text('', 500, {});
    }
    const headers = {};
    for (const [name, value] of Object.entries(output.headers || {})) {
      if (!name.toLowerCase().startsWith('x-open-runtimes-')) headers[name.toLowerCase()] = String(value);
    }
    const type = (headers['content-type'] || 'text/plain').toLowerCase();
    if (!type.startsWith('multipart/') && !type.includes('charset=')) headers['content-type'] = type + '; charset=utf-8';
    return frame(
      { statusCode: Number(output.statusCode) || 200, headers, logs: sink.logs.join('\\n'), errors: sink.errors.join('\\n'), timedOut: !!sink.timedOut },
      toBytes(output.body),
    );
  },
};
`;
}
