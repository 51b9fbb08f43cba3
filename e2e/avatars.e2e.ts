import { Avatars as WebAvatars, Client as WebClient } from 'appwrite';
import { decode, encode } from 'fast-png';
import jsQR from 'jsqr';
import { Avatars, Browser, CreditCard, Flag } from 'node-appwrite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helper
import { startLedge } from '../scripts/ledge-server.mjs';
import { ledge, refusal, serverClient } from './support/ledge';

/**
 * Avatars through both SDKs: node-appwrite downloads the bytes, the web SDK builds URLs (with
 * `?project=`) that a page would put in an <img>. Images are decoded here, QR codes read back.
 */

function decodePng(bytes: ArrayBuffer | Uint8Array) {
  const img = decode(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  return img;
}

/** RGBA pixels for jsQR, whatever channel layout the PNG has. */
function rgba(img: ReturnType<typeof decode>): Uint8ClampedArray {
  const out = new Uint8ClampedArray(img.width * img.height * 4);
  for (let p = 0; p < img.width * img.height; p++) {
    const px = Array.from(img.data.slice(p * img.channels, (p + 1) * img.channels) as ArrayLike<number>);
    const [r, g, b, a] = img.channels >= 3 ? [px[0], px[1], px[2], px[3] ?? 255] : [px[0], px[0], px[0], px[1] ?? 255];
    out.set([r, g, b, a], p * 4);
  }
  return out;
}

async function fetchPng(url: string) {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  expect(res.headers.get('content-type')).toBe('image/png');
  return decodePng(await res.arrayBuffer());
}

const web = () => new WebAvatars(new WebClient().setEndpoint(ledge.endpoint).setProject(ledge.projectId));

describe('getInitials', () => {
  it('returns a PNG of the requested size (node-appwrite)', async () => {
    const bytes = await new Avatars(serverClient()).getInitials({ name: 'Ada Lovelace', width: 96, height: 64 });
    const img = decodePng(bytes);
    expect([img.width, img.height]).toEqual([96, 64]);
  });

  it('builds a URL that an <img> loads as a PNG of the requested size (web SDK)', async () => {
    const url = web().getInitials({ name: 'Grace Hopper', width: 48, height: 48, background: '00ff00' });
    expect(new URL(url).searchParams.get('project')).toBe(ledge.projectId);
    const img = await fetchPng(url);
    expect([img.width, img.height]).toEqual([48, 48]);
    expect(Array.from(img.data.slice(0, 3) as ArrayLike<number>)).toEqual([0, 255, 0]);
  });
});

describe('getQR', () => {
  const text = 'https://app.example/join?team=ledge&code=7f3a';

  it('decodes back to its text (node-appwrite)', async () => {
    const img = decodePng(await new Avatars(serverClient()).getQR({ text, size: 256 }));
    expect([img.width, img.height]).toEqual([256, 256]);
    expect(jsQR(rgba(img), img.width, img.height)?.data).toBe(text);
  });

  it('decodes back to its text from the URL the web SDK builds', async () => {
    const img = await fetchPng(web().getQR({ text, size: 400, margin: 2 }));
    expect(jsQR(rgba(img), img.width, img.height)?.data).toBe(text);
  });
});

describe('icon sets', () => {
  it('serves flags, browsers and credit cards at the requested size', async () => {
    const avatars = new Avatars(serverClient());
    for (const bytes of [
      await avatars.getFlag({ code: Flag.Japan, width: 90, height: 60 }),
      await avatars.getBrowser({ code: Browser.GoogleChrome, width: 90, height: 60 }),
      await avatars.getCreditCard({ code: CreditCard.Visa, width: 90, height: 60 }),
    ]) {
      const img = decodePng(bytes);
      expect([img.width, img.height]).toEqual([90, 60]);
    }
    const missing = await refusal(avatars.getCreditCard({ code: CreditCard.MIR }));
    expect([missing.code, missing.type]).toEqual([404, 'avatar_not_found']);
  });
});

describe('getImage refuses private addresses', () => {
  for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://127.0.0.1:8787/v1/health', 'http://[::1]/', 'http://10.0.0.1/a.png']) {
    it(`refuses ${url} with an Appwrite error`, async () => {
      const err = await refusal(new Avatars(serverClient()).getImage({ url }));
      expect([err.code, err.type]).toEqual([404, 'avatar_remote_url_failed']);
      const res = await fetch(web().getImage({ url }));
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: 404, type: 'avatar_remote_url_failed', version: '1.9.6' });
    });
  }
});

describe('remote URLs by name, resolved over DNS-over-HTTPS', () => {
  // A second Ledge whose outbound requests reach a fake resolver and a fake image host: the real
  // DoH path of the built Worker, offline.
  const photo = encode({ width: 64, height: 32, data: new Uint8Array(64 * 32 * 3).fill(90), channels: 3 });
  const dns: Record<string, string> = { 'img.example.com': '93.184.215.14', 'intranet.example.com': '10.0.0.5', 'rebind.example.com': '169.254.169.254' };
  const outbound: string[] = [];
  let other: { endpoint: string; projectId: string; rootKey: string; dispose: () => Promise<void> };

  beforeAll(async () => {
    other = await startLedge({
      vars: { RATE_LIMITS: 'disabled' },
      outboundService: async (request: Request) => {
        const url = new URL(request.url);
        outbound.push(url.href);
        if (url.origin === 'https://cloudflare-dns.com' && url.pathname === '/dns-query') {
          const address = dns[url.searchParams.get('name') ?? ''];
          const type = Number(url.searchParams.get('type'));
          return Response.json({ Status: address ? 0 : 3, Answer: address && type === 1 ? [{ type: 1, data: address }] : [] });
        }
        if (url.href === 'https://img.example.com/photo.png') return new Response(new Uint8Array(photo), { headers: { 'content-type': 'image/png' } });
        return new Response('not here', { status: 404 });
      },
    });
  });
  afterAll(async () => {
    await other?.dispose();
  });

  const avatars = () => new Avatars(serverClient().setEndpoint(other.endpoint).setProject(other.projectId).setKey(other.rootKey));

  it('fetches and crops an image from a public host', async () => {
    const img = decodePng(await avatars().getImage({ url: 'https://img.example.com/photo.png', width: 50, height: 50 }));
    expect([img.width, img.height]).toEqual([50, 50]);
  });

  it('refuses names that resolve to private or metadata addresses, without fetching them', async () => {
    for (const host of ['intranet.example.com', 'rebind.example.com']) {
      outbound.length = 0;
      const err = await refusal(avatars().getImage({ url: `http://${host}/x.png` }));
      expect([err.code, err.type], host).toEqual([404, 'avatar_remote_url_failed']);
      expect(outbound.filter((u) => !u.startsWith('https://cloudflare-dns.com/'))).toEqual([]);
    }
  });
});
