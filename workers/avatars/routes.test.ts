import { decode, encode } from 'fast-png';
import jsQR from 'jsqr';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { call, errorOf, keyWith, signedInUser } from '../../test/helpers';

async function png(res: Response) {
  const text = res.status === 200 ? '' : await res.clone().text();
  expect(res.status, text).toBe(200);
  expect(res.headers.get('Content-Type')).toBe('image/png');
  return decode(new Uint8Array(await res.arrayBuffer()));
}

type Decoded = ReturnType<typeof decode>;

/** RGBA at (x, y), whatever the channel count the encoder chose. */
function pixel(img: Decoded, x: number, y: number): number[] {
  const i = (y * img.width + x) * img.channels;
  const px = Array.from(img.data.slice(i, i + img.channels) as ArrayLike<number>);
  return img.channels === 4 ? px : img.channels === 3 ? [...px, 255] : [px[0], px[0], px[0], px[1] ?? 255];
}

function rgba(img: Decoded): Uint8ClampedArray {
  const out = new Uint8ClampedArray(img.width * img.height * 4);
  for (let y = 0; y < img.height; y++) for (let x = 0; x < img.width; x++) out.set(pixel(img, x, y), (y * img.width + x) * 4);
  return out;
}

const hex = (color: string) => [1, 3, 5].map((i) => Number.parseInt(color.slice(i, i + 2), 16));

describe('GET /v1/avatars/initials', () => {
  it('draws the initials cut out of the theme colour, at the requested size', async () => {
    const img = await png(await call('/v1/avatars/initials?name=John%20Doe&width=120&height=80'));
    expect([img.width, img.height]).toEqual([120, 80]);
    expect(pixel(img, 0, 0)).toEqual([...hex('#7C67FE'), 255]);
    // The letters are holes: some pixels in the middle band are fully transparent.
    let holes = 0;
    for (let x = 30; x < 90; x++) if (pixel(img, x, 40)[3] === 0) holes++;
    expect(holes).toBeGreaterThan(3);
  });

  it('takes a background colour and defaults to 500×500', async () => {
    const img = await png(await call('/v1/avatars/initials?name=Ada&background=ff0000'));
    expect([img.width, img.height]).toEqual([500, 500]);
    expect(pixel(img, 2, 2)).toEqual([255, 0, 0, 255]);
  });

  it("uses the signed-in user's name, then their email, when no name is given", async () => {
    const named = await signedInUser({ name: 'Quinn Rivers' });
    const mine = await png(await named.req('/v1/avatars/initials?width=40&height=40'));
    expect(pixel(mine, 0, 0)).toEqual([...hex('#68A3FE'), 255]); // Q + R = 81 + 82 = 163 → 3
    const unnamed = await signedInUser({ name: '', user: { email: `x${crypto.randomUUID()}@example.com` } });
    const byEmail = await png(await unnamed.req('/v1/avatars/initials?width=40&height=40'));
    expect(pixel(byEmail, 0, 0)).toEqual([...hex('#68A3FE'), 255]); // X = 88 → 8 → 8 % 5 = 3
    const guest = await png(await call('/v1/avatars/initials?width=40&height=40'));
    expect(pixel(guest, 0, 0)).toEqual([...hex('#FD366E'), 255]); // no initials → 0
  });

  it('refuses out-of-range sizes and bad colours with Appwrite errors', async () => {
    for (const q of ['width=2001', 'height=-1', 'background=red', 'background=%23ff0000']) {
      const err = await errorOf(await call(`/v1/avatars/initials?name=A&${q}`));
      expect([err.status, err.type], q).toEqual([400, 'general_argument_invalid']);
    }
  });
});

describe('GET /v1/avatars/qr', () => {
  it('encodes the text, decodable at the requested size', async () => {
    const text = 'https://ledge.example/invite?code=42&ü=ok';
    const res = await call(`/v1/avatars/qr?text=${encodeURIComponent(text)}&size=300`);
    expect(res.headers.get('Content-Disposition')).toBeNull();
    const img = await png(res);
    expect([img.width, img.height]).toEqual([300, 300]);
    expect(jsQR(rgba(img), img.width, img.height)?.data).toBe(text);
  });

  it('offers a download and bounds size and margin', async () => {
    const res = await call('/v1/avatars/qr?text=hi&download=true&size=64&margin=4');
    expect(res.headers.get('Content-Disposition')).toBe('attachment; filename="qr.png"');
    expect((await png(res)).width).toBe(64);
    for (const q of ['size=0', 'size=1001', 'margin=11', 'text=' + 'x'.repeat(513)]) {
      const err = await errorOf(await call(`/v1/avatars/qr?text=a&${q}`));
      expect([err.status, err.type], q).toEqual([400, 'general_argument_invalid']);
    }
    const missing = await errorOf(await call('/v1/avatars/qr'));
    expect(missing.type).toBe('general_argument_invalid');
  });
});

describe('icon sets', () => {
  it('draws a flag cropped to the frame, 100×100 by default', async () => {
    const img = await png(await call('/v1/avatars/flags/fr'));
    expect([img.width, img.height]).toEqual([100, 100]);
    const [r, g, b] = pixel(img, 5, 50);
    expect(b).toBeGreaterThan(r + g); // the blue band
    expect(pixel(img, 94, 50)[0]).toBeGreaterThan(200); // the red band
    const wide = await png(await call('/v1/avatars/flags/FR?width=0&height=60'));
    expect([wide.width, wide.height]).toEqual([80, 60]);
  });

  it('draws browser and card logos whole on a transparent ground', async () => {
    const chrome = await png(await call('/v1/avatars/browsers/ch?width=64&height=64'));
    expect([chrome.width, chrome.height]).toEqual([64, 64]);
    const visa = await png(await call('/v1/avatars/credit-cards/visa?width=120&height=120'));
    expect(pixel(visa, 0, 0)[3]).toBe(0); // a wide logo leaves the top of a square frame empty
    const row = Array.from({ length: 120 }, (_, x) => pixel(visa, x, 60)[3]);
    expect(row.filter((a) => a === 255).length).toBeGreaterThan(20); // the lettering across the middle
  });

  it('answers avatar_not_found for codes the sets do not have', async () => {
    for (const path of ['flags/zz', 'browsers/aa', 'credit-cards/mir', 'flags/..%2F..%2Flocale%2Fbase']) {
      const err = await errorOf(await call(`/v1/avatars/${path}`));
      expect([err.status, err.type], path).toEqual([404, 'avatar_not_found']);
    }
  });
});

describe('remote images', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** A fake network: DNS-over-HTTPS answers from `dns`, HTTP from `sites`; anything else fails. */
  function network(dns: Record<string, string>, sites: Record<string, () => Response | Promise<Response>>) {
    const asked: string[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      asked.push(url.href);
      if (url.origin === 'https://cloudflare-dns.com') {
        const name = url.searchParams.get('name') ?? '';
        const type = Number(url.searchParams.get('type'));
        const address = dns[name];
        const answer = address && (address.includes(':') ? type === 28 : type === 1) ? [{ type, data: address }] : [];
        return Response.json({ Status: address ? 0 : 3, Answer: answer });
      }
      const site = sites[url.href];
      if (!site) throw new TypeError(`offline: ${url.href}`);
      return site();
    });
    return asked;
  }

  const photo = () => encode({ width: 40, height: 20, data: new Uint8Array(40 * 20 * 3).fill(200), channels: 3 });

  it('refuses private, loopback, link-local and metadata addresses written as IPs', async () => {
    const asked = network({}, {});
    for (const url of ['http://127.0.0.1/a.png', 'http://[::1]/', 'http://10.1.2.3/', 'http://169.254.169.254/latest/meta-data/', 'http://0x7f.1/', 'http://localhost:8787/']) {
      const err = await errorOf(await call(`/v1/avatars/image?url=${encodeURIComponent(url)}`));
      expect([err.status, err.type, err.version], url).toEqual([404, 'avatar_remote_url_failed', '1.9.6']);
    }
    expect(asked).toEqual([]);
  });

  it('refuses names that resolve to private addresses, and never fetches them', async () => {
    const asked = network({ 'intranet.example.com': '10.0.0.8', 'meta.example.com': '169.254.169.254', 'v6.example.com': 'fd00::1' }, {});
    for (const host of ['intranet.example.com', 'meta.example.com', 'v6.example.com']) {
      const err = await errorOf(await call(`/v1/avatars/image?url=${encodeURIComponent(`https://${host}/a.png`)}`));
      expect([err.status, err.type], host).toEqual([404, 'avatar_remote_url_failed']);
      expect(err.message).toContain('not public');
    }
    expect(asked.every((u) => u.startsWith('https://cloudflare-dns.com/'))).toBe(true);
  });

  it('refuses other schemes as an invalid argument', async () => {
    network({}, {});
    const err = await errorOf(await call(`/v1/avatars/image?url=${encodeURIComponent('file:///etc/passwd')}`));
    expect([err.status, err.type]).toEqual([400, 'general_argument_invalid']);
  });

  it('fetches a public image and crops it as PNG', async () => {
    const body = photo();
    network({ 'img.example.com': '93.184.215.14' }, { 'https://img.example.com/p.png': () => new Response(body) });
    const img = await png(await call(`/v1/avatars/image?url=${encodeURIComponent('https://img.example.com/p.png')}&width=30&height=30`));
    expect([img.width, img.height]).toEqual([30, 30]);
    const scaled = await png(await call(`/v1/avatars/image?url=${encodeURIComponent('https://img.example.com/p.png')}&width=0&height=10`));
    expect([scaled.width, scaled.height]).toEqual([20, 10]);
  });

  it('does not follow a redirect and says the image was not found; non-images likewise', async () => {
    network(
      { 'img.example.com': '93.184.215.14' },
      {
        'https://img.example.com/moved.png': () => new Response(null, { status: 302, headers: { location: 'http://127.0.0.1/' } }),
        'https://img.example.com/page.png': () => new Response('<html>nope</html>'),
      },
    );
    for (const path of ['moved.png', 'page.png']) {
      const err = await errorOf(await call(`/v1/avatars/image?url=${encodeURIComponent(`https://img.example.com/${path}`)}`));
      expect([err.status, err.type], path).toEqual([404, 'avatar_image_not_found']);
    }
  });

  it('refuses images over the size bound', async () => {
    network({ 'img.example.com': '93.184.215.14' }, { 'https://img.example.com/huge.png': () => new Response(new Uint8Array(11 * 1024 * 1024)) });
    const err = await errorOf(await call(`/v1/avatars/image?url=${encodeURIComponent('https://img.example.com/huge.png')}`));
    expect([err.status, err.type]).toEqual([404, 'avatar_remote_url_failed']);
  });

  it("finds a site's favicon from its <link rel=icon> and returns it at 56×56", async () => {
    const icon = photo();
    network(
      { 'site.example.com': '93.184.215.14' },
      {
        'https://site.example.com/': () =>
          new Response('<html><head><link rel="icon" href="/small.png" sizes="16x16"><link rel="icon" href="/big.png" sizes="64x64"></head></html>', { headers: { 'content-type': 'text/html' } }),
        'https://site.example.com/big.png': () => new Response(icon),
      },
    );
    const img = await png(await call(`/v1/avatars/favicon?url=${encodeURIComponent('https://site.example.com/')}`));
    expect([img.width, img.height]).toEqual([56, 56]);
  });

  it('falls back to /favicon.ico, served as is, and re-checks redirects on the way', async () => {
    const ico = new Uint8Array([0, 0, 1, 0, 1, 0, 16, 16]);
    network(
      { 'site.example.com': '93.184.215.14', 'www.site.example.com': '93.184.215.15' },
      {
        'https://site.example.com/': () => new Response(null, { status: 301, headers: { location: 'https://www.site.example.com/' } }),
        'https://www.site.example.com/': () => new Response('<html></html>'),
        'https://www.site.example.com/favicon.ico': () => new Response(ico),
      },
    );
    const res = await call(`/v1/avatars/favicon?url=${encodeURIComponent('https://site.example.com/')}`);
    expect(res.headers.get('Content-Type')).toBe('image/x-icon');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(ico);

    network({ 'evil.example.com': '93.184.215.16' }, {
      'https://evil.example.com/': () => new Response('<link rel="icon" href="http://169.254.169.254/latest/icon.png">'),
    });
    const err = await errorOf(await call(`/v1/avatars/favicon?url=${encodeURIComponent('https://evil.example.com/')}`));
    expect([err.status, err.type]).toEqual([404, 'avatar_remote_url_failed']);
  });
});

describe('who may call', () => {
  it('lets guests in (Appwrite gives them avatars.read) and refuses a key without the scope', async () => {
    expect((await call('/v1/avatars/qr?text=x')).status).toBe(200);
    const key = await keyWith(['users.read']);
    const err = await errorOf(await call('/v1/avatars/qr?text=x', { key }));
    expect([err.status, err.type]).toEqual([401, 'general_unauthorized_scope']);
  });

  it('takes the project from ?project= as the web SDK builds avatar URLs', async () => {
    expect((await call('/v1/avatars/flags/de?project=local', { project: null })).status).toBe(200);
    const err = await errorOf(await call('/v1/avatars/flags/de?project=other', { project: null }));
    expect(err.type).toBe('project_not_found');
  });
});
