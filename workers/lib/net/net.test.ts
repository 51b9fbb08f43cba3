import { describe, expect, it } from 'vitest';
import { checkUrl, classifyAddress, dohResolver, guardedFetch, OutboundError, staticResolver, type RefusalReason } from '.';

const resolve = staticResolver({
  'public.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  'rebind.example.com': ['10.0.0.7'],
  'mixed.example.com': ['93.184.215.14', '127.0.0.1'],
  'metadata.example.com': ['169.254.169.254'],
  'v6local.example.com': ['fd00:ec2::254'],
  'mapped.example.com': ['::ffff:192.168.1.1'],
});

async function refusal(url: string, policy = {}): Promise<RefusalReason | 'allowed'> {
  try {
    await checkUrl(url, { resolve, ...policy });
    return 'allowed';
  } catch (err) {
    if (err instanceof OutboundError) return err.reason;
    throw err;
  }
}

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'], ['1.1.1.1', 'public'], ['2606:4700:4700::1111', 'public'],
    ['10.0.0.1', 'private'], ['172.16.5.4', 'private'], ['192.168.0.1', 'private'], ['100.64.0.1', 'private'],
    ['100.100.100.200', 'private'], ['fd00:ec2::254', 'private'], ['fc00::1', 'private'],
    ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'], ['::1', 'loopback'], ['::ffff:127.0.0.1', 'loopback'],
    ['169.254.169.254', 'link-local'], ['fe80::1', 'link-local'], ['168.63.129.16', 'metadata'],
    ['0.0.0.0', 'reserved'], ['::', 'reserved'], ['255.255.255.255', 'reserved'], ['224.0.0.1', 'reserved'],
    ['192.0.0.192', 'reserved'], ['198.18.0.1', 'reserved'], ['192.0.2.1', 'reserved'], ['240.0.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'], ['64:ff9b::7f00:1', 'reserved'], ['2002:7f00:1::', 'reserved'],
    ['2001::1', 'reserved'], ['ff02::1', 'reserved'], ['4000::1', 'reserved'], ['[::1]', 'loopback'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it('is null for names and for legacy IPv4 shorthands outside a URL', () => {
    expect(classifyAddress('example.com')).toBeNull();
    expect(classifyAddress('0x7f.1')).toBeNull();
  });
});

describe('checkUrl', () => {
  it.each([
    'http://127.0.0.1/', 'http://0x7f.1/', 'http://2130706433/', 'http://0177.0.0.1/', 'http://127.1/',
    'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://[0:0:0:0:0:ffff:7f00:1]/', 'http://10.0.0.1:8080/x',
    'http://169.254.169.254/latest/meta-data/', 'http://[fd00:ec2::254]/', 'http://0.0.0.0/',
    'http://localhost/', 'http://LOCALHOST./', 'http://api.localhost/', 'https://rebind.example.com/',
    'https://mixed.example.com/', 'https://metadata.example.com/', 'https://v6local.example.com/',
    'https://mapped.example.com/',
  ])('refuses %s as a private address', async (url) => {
    expect(await refusal(url)).toBe('private_address');
  });

  it('refuses single-label names, other schemes, credentials and unresolvable names', async () => {
    expect(await refusal('http://metadata/computeMetadata/v1/')).toBe('host');
    expect(await refusal('file:///etc/passwd')).toBe('scheme');
    expect(await refusal('ftp://public.example.com/')).toBe('scheme');
    expect(await refusal('gopher://public.example.com/')).toBe('scheme');
    expect(await refusal('https://user:pw@public.example.com/')).toBe('credentials');
    expect(await refusal('https://nowhere.example.com/')).toBe('unresolvable');
    expect(await refusal('not a url')).toBe('invalid_url');
  });

  it('lets public names and addresses through', async () => {
    expect(await refusal('https://public.example.com/a.png')).toBe('allowed');
    expect(await refusal('http://93.184.215.14/')).toBe('allowed');
    expect(await refusal('http://[2606:4700:4700::1111]/')).toBe('allowed');
  });

  it('allows private targets only when the policy says so', async () => {
    expect(await refusal('http://127.0.0.1:8787/', { allowPrivate: true })).toBe('allowed');
    expect(await refusal('https://rebind.example.com/', { allowPrivate: true })).toBe('allowed');
    // The scheme and credential rules still hold.
    expect(await refusal('file:///etc/passwd', { allowPrivate: true })).toBe('scheme');
  });

  it('holds to an allow-list of hosts, which does not exempt them from the address rules', async () => {
    const allowedHosts = ['public.example.com', '*.example.org'];
    expect(await refusal('https://public.example.com/', { allowedHosts })).toBe('allowed');
    expect(await refusal('https://other.example.com/', { allowedHosts })).toBe('host');
    expect(await refusal('https://rebind.example.com/', { allowedHosts: ['rebind.example.com'] })).toBe('private_address');
  });

  it('refuses when the resolver fails', async () => {
    const failing = async () => {
      throw new Error('boom');
    };
    expect(await refusal('https://public.example.com/', { resolve: failing })).toBe('unresolvable');
  });
});

/** A fetch that answers from a table of URL → Response factories and records what it was asked. */
function fakeFetch(routes: Record<string, () => Response>) {
  const asked: string[] = [];
  const fn = (async (input: RequestInfo | URL) => {
    const url = String(input instanceof Request ? input.url : input);
    asked.push(url);
    const route = routes[url];
    if (!route) throw new TypeError('network down');
    return route();
  }) as typeof fetch;
  return { fn, asked };
}

const limits = { resolve, timeoutMs: 2_000, maxBytes: 1_000 };

describe('guardedFetch', () => {
  it('returns the body of an allowed URL', async () => {
    const { fn } = fakeFetch({ 'https://public.example.com/a': () => new Response('hello') });
    const res = await guardedFetch('https://public.example.com/a', { ...limits, fetch: fn });
    expect(res.status).toBe(200);
    expect(new TextDecoder().decode(res.body)).toBe('hello');
  });

  it('re-checks every redirect hop and never reaches a private target', async () => {
    const { fn, asked } = fakeFetch({
      'https://public.example.com/r': () => new Response(null, { status: 302, headers: { location: 'http://169.254.169.254/latest/' } }),
    });
    await expect(guardedFetch('https://public.example.com/r', { ...limits, maxRedirects: 3, fetch: fn })).rejects.toMatchObject({ reason: 'private_address' });
    expect(asked).toEqual(['https://public.example.com/r']);
  });

  it('follows at most maxRedirects and returns the redirect past the limit', async () => {
    const { fn, asked } = fakeFetch({
      'https://public.example.com/1': () => new Response(null, { status: 301, headers: { location: '/2' } }),
      'https://public.example.com/2': () => new Response(null, { status: 302, headers: { location: '/3' } }),
      'https://public.example.com/3': () => new Response('end'),
    });
    const res = await guardedFetch('https://public.example.com/1', { ...limits, maxRedirects: 1, fetch: fn });
    expect(res.status).toBe(302);
    expect(asked).toHaveLength(2);
    const followed = await guardedFetch('https://public.example.com/1', { ...limits, maxRedirects: 2, fetch: fn });
    expect(new TextDecoder().decode(followed.body)).toBe('end');
    expect(followed.url.pathname).toBe('/3');
  });

  it('refuses bodies over maxBytes, declared or streamed', async () => {
    const big = 'x'.repeat(2_000);
    const declared = fakeFetch({ 'https://public.example.com/big': () => new Response(big) });
    await expect(guardedFetch('https://public.example.com/big', { ...limits, fetch: declared.fn })).rejects.toMatchObject({ reason: 'too_large' });
    const streamed = fakeFetch({
      'https://public.example.com/stream': () =>
        new Response(new ReadableStream({
          pull(controller) {
            controller.enqueue(new TextEncoder().encode('y'.repeat(400)));
          },
        })),
    });
    await expect(guardedFetch('https://public.example.com/stream', { ...limits, fetch: streamed.fn })).rejects.toMatchObject({ reason: 'too_large' });
  });

  it('gives up after timeoutMs', async () => {
    const hanging = ((_: unknown, init?: RequestInit) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)))) as typeof fetch;
    await expect(guardedFetch('https://public.example.com/slow', { ...limits, timeoutMs: 50, fetch: hanging })).rejects.toMatchObject({ reason: 'timeout' });
  });

  it('reports a network failure as such', async () => {
    const { fn } = fakeFetch({});
    await expect(guardedFetch('https://public.example.com/x', { ...limits, fetch: fn })).rejects.toMatchObject({ reason: 'network' });
  });
});

describe('dohResolver', () => {
  const doh = (answers: Record<string, unknown>) =>
    (async (input: RequestInfo | URL) => {
      const url = new URL(String(input));
      return Response.json(answers[`${url.searchParams.get('name')}/${url.searchParams.get('type')}`] ?? { Status: 3 });
    }) as typeof fetch;

  it('returns A and AAAA records, skipping CNAMEs', async () => {
    const resolver = dohResolver({
      fetch: doh({
        'www.example.com/1': { Status: 0, Answer: [{ type: 5, data: 'edge.example.net.' }, { type: 1, data: '93.184.215.14' }] },
        'www.example.com/28': { Status: 0, Answer: [{ type: 28, data: '2606:2800::1' }] },
      }),
    });
    expect(await resolver('www.example.com')).toEqual(['93.184.215.14', '2606:2800::1']);
  });

  it('answers nothing for NXDOMAIN and fails on a resolver error', async () => {
    expect(await dohResolver({ fetch: doh({}) })('missing.example.com')).toEqual([]);
    const servfail = dohResolver({ fetch: doh({ 'x.example.com/1': { Status: 2 }, 'x.example.com/28': { Status: 2 } }) });
    await expect(servfail('x.example.com')).rejects.toThrow('DNS status 2');
  });
});
