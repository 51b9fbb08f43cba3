import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { dohResolver, type OutboundPolicy } from '../lib/net';
import { query } from '../http/body';
import { intParam } from '../lib/validator';
import { requireScope } from '../middleware/principal';
import { findUser } from '../identity/users';
import { iconPng, type IconSet } from './icons';
import { initialsSvg } from './initials';
import { qrSvg } from './qr';
import { remoteFavicon, remoteImage } from './remote';
import { svgToPng } from './render';

type C = Context<AppEnv>;

/** Appwrite's `Range(min, max)` on an integer query parameter, with its default. */
const range = (min: number, max: number, fallback: number) =>
  intParam.pipe(z.number().min(min, `Value must be a valid range between ${min} and ${max}`).max(max, `Value must be a valid range between ${min} and ${max}`)).default(fallback);

/** Appwrite's `Boolean(true)`: also the strings and numbers a URL carries. */
const looseBool = z.preprocess((v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v), z.boolean());

/** Appwrite's `URL(['http', 'https'])`. */
const httpUrl = z
  .string()
  .max(2048)
  .refine((v) => URL.canParse(v) && ['http:', 'https:'].includes(new URL(v).protocol), 'Value must be a valid URL with following schemes (http, https)');

const iconParams = z.object({ width: range(0, 2000, 100), height: range(0, 2000, 100), quality: range(-1, 100, -1) });

/** Avatars are cached by the browser as Appwrite lets them be: privately, for 30 or 45 days. */
const DAYS_30 = 'private, max-age=2592000';
const DAYS_45 = 'private, max-age=3888000';

function image(body: Uint8Array, contentType: string, cacheControl: string, extra: Record<string, string> = {}) {
  return new Response(body, {
    headers: { 'Content-Type': contentType, 'Cache-Control': cacheControl, 'X-Content-Type-Options': 'nosniff', ...extra },
  });
}

function outboundPolicy(c: C): OutboundPolicy {
  const { allowPrivate, dohUrl } = c.get('config').outbound;
  return { allowPrivate, resolve: dohResolver({ endpoint: dohUrl }) };
}

/** With no `name`, Appwrite draws the signed-in user's name, else their email. */
async function nameForInitials(c: C, name: string): Promise<string> {
  if (name) return name;
  const p = c.get('principal');
  if (p.kind !== 'user') return '';
  const user = await findUser(c.env.DB, p.userId);
  return user?.name || user?.email || '';
}

function iconRoute(set: IconSet) {
  return new Hono<AppEnv>().get('/:code', query(iconParams), async (c) => {
    const { width, height } = c.req.valid('query');
    const png = await iconPng(c.env, set, c.req.param('code'), width, height);
    return image(png, 'image/png', DAYS_30);
  });
}

/**
 * `/v1/avatars`: Appwrite's Avatars service. Every route is a URL the SDKs build (`?project=` and
 * the session cookie) or call, scope `avatars.read` (guests and users hold it; keys need it).
 */
export const avatarsRoutes = new Hono<AppEnv>()
  .use(requireScope('avatars.read'))
  .route('/flags', iconRoute('flags'))
  .route('/browsers', iconRoute('browsers'))
  .route('/credit-cards', iconRoute('credit-cards'))
  .get(
    '/initials',
    query(
      z.object({
        name: z.string().max(128).default(''),
        width: range(0, 2000, 500),
        height: range(0, 2000, 500),
        background: z.string().regex(/^([a-fA-F0-9]{6}|[a-fA-F0-9]{3})?$/, 'Value must be a valid hex color code').default(''),
      }),
    ),
    async (c) => {
      const params = c.req.valid('query');
      const name = await nameForInitials(c, params.name);
      const svg = initialsSvg({ ...params, name }, 'Inter');
      const png = await svgToPng(c.env, svg, { text: true });
      return image(png, 'image/png', DAYS_45);
    },
  )
  .get(
    '/qr',
    query(z.object({ text: z.string().max(512), size: range(1, 1000, 400), margin: range(0, 10, 1), download: looseBool.default(false) })),
    async (c) => {
      const { text, size, margin, download } = c.req.valid('query');
      const png = await svgToPng(c.env, qrSvg({ text, size, margin }), { width: size, crisp: true });
      return image(png, 'image/png', DAYS_45, download ? { 'Content-Disposition': 'attachment; filename="qr.png"' } : {});
    },
  )
  .get('/image', query(z.object({ url: httpUrl, width: range(0, 2000, 400), height: range(0, 2000, 400) })), async (c) => {
    const { url, width, height } = c.req.valid('query');
    const out = await remoteImage(url, width, height, { images: c.env.IMAGES, renderer: c.env, policy: outboundPolicy(c) });
    return image(out.body, out.contentType, DAYS_30);
  })
  .get('/favicon', query(z.object({ url: httpUrl })), async (c) => {
    const { url } = c.req.valid('query');
    const out = await remoteFavicon(url, {
      images: c.env.IMAGES,
      renderer: c.env,
      policy: outboundPolicy(c),
      userAgent: `Ledge/${c.get('config').projectName} (Appwrite-compatible avatars)`,
    });
    return image(out.body, out.contentType, DAYS_30);
  });
