import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { asRoot, errorOf, okJson } from '../helpers';
import { makeEvent } from '../../workers/events/event';
import { uniqueId } from '../../workers/lib/ids';
import { staticResolver, type Resolver } from '../../workers/lib/net';
import { webhookDelivery } from '../../workers/webhooks/deliver';

/**
 * Webhook SSRF: a webhook URL is the caller's choice, and Ledge POSTs to it from inside its own
 * network position. Every target that is not plainly public must be refused — written as an IP
 * (in any spelling the URL parser accepts), as a name resolving to one, after a redirect, or when
 * the name's answer changes between deliveries (rebinding) — through lib/net, the one guard.
 * Names are resolved by an injected resolver, since tests run offline; nothing here reaches a
 * network (the receiver is a fetch in the test runtime).
 */

type Hook = { $id: string; secret: string; url: string; logs: string; attempts: number };

const createHook = (url: string) => asRoot('/v1/webhooks', { method: 'POST', json: { webhookId: uniqueId(), name: 'Hook', url, events: ['users.*.create'] } });

/** A receiver that records every URL Ledge asked it for and answers `answer`. */
function receiver(answer: () => Response = () => new Response('ok')) {
  const asked: string[] = [];
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    asked.push(new Request(input, init).url);
    return answer();
  }) as typeof fetch;
  return { asked, fetcher };
}

async function deliver(hook: Hook, resolver: Resolver, fetcher: typeof fetch) {
  const event = makeEvent([`users.${uniqueId()}.create`], { $id: 'u' }, []);
  return webhookDelivery({ resolver, fetch: fetcher, maxAttempts: 100 }).handle(event, env, hook.$id);
}

/** Spellings of non-public addresses; the WHATWG URL parser normalises the IPv4 shorthands. */
const LITERALS = [
  'http://127.0.0.1/', 'http://127.1/', 'http://2130706433/', 'http://0x7f000001/', 'http://0177.0.0.1/', 'http://0.0.0.0/',
  'http://localhost/', 'http://api.localhost/', 'http://LOCALHOST./',
  'http://10.0.0.1/', 'http://172.16.5.4/', 'http://192.168.1.1/', 'http://100.100.100.200/',
  'http://169.254.169.254/latest/meta-data/', 'http://168.63.129.16/', 'http://[fe80::1]/',
  'http://[::1]/', 'http://[::]/', 'http://[fc00::1]/', 'http://[fd12:3456::1]/',
  'http://[::ffff:127.0.0.1]/', 'http://[::ffff:a9fe:a9fe]/', 'http://[::ffff:10.0.0.1]/',
  'http://[64:ff9b::a9fe:a9fe]/', 'http://[2002:7f00:1::]/', 'http://[2001::1]/',
  'http://224.0.0.1/', 'http://255.255.255.255/',
];

describe('webhook SSRF', () => {
  it('refuses non-public IP literals and loopback names when a webhook is created or updated, changing nothing', async () => {
    const before = (await env.DB.prepare('SELECT COUNT(*) AS n FROM webhooks').first<{ n: number }>())!.n;
    for (const url of LITERALS) {
      expect(await errorOf(await createHook(url)), url).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    }
    expect((await env.DB.prepare('SELECT COUNT(*) AS n FROM webhooks').first<{ n: number }>())!.n).toBe(before);

    const hook = await okJson<Hook>(await createHook('https://hooks.example.com/in'), 201);
    for (const url of ['http://127.0.0.1/', 'http://[::ffff:169.254.169.254]/', 'http://192.168.0.10/']) {
      const res = await asRoot(`/v1/webhooks/${hook.$id}`, { method: 'PUT', json: { name: 'Hook', url, events: ['users.*.create'] } });
      expect(await errorOf(res), url).toMatchObject({ status: 400, type: 'general_argument_invalid' });
    }
    expect(await okJson<Hook>(await asRoot(`/v1/webhooks/${hook.$id}`))).toMatchObject({ url: 'https://hooks.example.com/in' });
  });

  it('refuses, at delivery, names resolving to private, loopback, link-local, metadata or IPv4-carrying IPv6 addresses', async () => {
    const resolver = staticResolver({
      'loop.example.com': ['127.0.0.1'],
      'lan.example.com': ['192.168.1.20'],
      'meta.example.com': ['169.254.169.254'],
      'azure.example.com': ['168.63.129.16'],
      'mapped.example.com': ['::ffff:10.0.0.1'],
      'nat64.example.com': ['64:ff9b::a9fe:a9fe'],
      'v6loop.example.com': ['::1'],
      'ula.example.com': ['fd00::5'],
      // One private answer among public ones is enough to refuse: the runtime may pick any of them.
      'mixed.example.com': ['93.184.216.34', '10.1.1.1'],
      'nothing.example.com': [],
    });
    const { asked, fetcher } = receiver();
    for (const host of ['loop', 'lan', 'meta', 'azure', 'mapped', 'nat64', 'v6loop', 'ula', 'mixed', 'nothing']) {
      const hook = await okJson<Hook>(await createHook(`https://${host}.example.com/hook`), 201);
      await expect(deliver(hook, resolver, fetcher), host).rejects.toThrow(/not public|does not resolve/);
      const after = await okJson<Hook>(await asRoot(`/v1/webhooks/${hook.$id}`));
      expect(after.logs, host).toContain('Client Error');
      expect(after.attempts).toBe(1);
    }
    expect(asked).toEqual([]);
  });

  it('checks the name on every delivery, so a name rebound to a private address is refused', async () => {
    let answer = ['93.184.216.34'];
    const rebinding: Resolver = async (host) => (host === 'rebind.example.com' ? answer : []);
    const { asked, fetcher } = receiver();
    const hook = await okJson<Hook>(await createHook('https://rebind.example.com/hook'), 201);
    await deliver(hook, rebinding, fetcher);
    expect(asked).toEqual(['https://rebind.example.com/hook']);
    answer = ['169.254.169.254'];
    await expect(deliver(hook, rebinding, fetcher)).rejects.toThrow(/not public \(link-local\)/);
    answer = ['::ffff:127.0.0.1'];
    await expect(deliver(hook, rebinding, fetcher)).rejects.toThrow(/not public \(loopback\)/);
    expect(asked).toHaveLength(1);
  });

  it('never follows a redirect, so a public receiver cannot bounce a delivery to a private address', async () => {
    const resolver = staticResolver({ 'hooks.example.com': ['93.184.216.34'], 'internal.example.com': ['10.0.0.9'] });
    for (const location of ['http://169.254.169.254/latest/meta-data/', 'http://127.0.0.1:8080/admin', 'https://internal.example.com/', 'http://[::ffff:7f00:1]/']) {
      const { asked, fetcher } = receiver(() => new Response(null, { status: 307, headers: { location } }));
      const hook = await okJson<Hook>(await createHook('https://hooks.example.com/in'), 201);
      await deliver(hook, resolver, fetcher).catch(() => {});
      expect(asked, location).toEqual(['https://hooks.example.com/in']);
    }
  });
});
