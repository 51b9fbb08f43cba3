import { desc, eq, count } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { outbox } from '../db/schema';
import { intParam } from '../lib/validator';
import { query } from '../http/body';
import { requireScope } from '../middleware/principal';

/** `GET /v1/mail/outbox?to=`: the mail Ledge has sent or kept, newest first (scope `mail.read`, keys only). */
export const mailRoutes = new Hono<AppEnv>().get(
  '/outbox',
  requireScope('mail.read'),
  query(z.object({ to: z.string().max(320).optional(), limit: intParam.pipe(z.number().min(1).max(100)).optional() })),
  async (c) => {
    const { to, limit } = c.req.valid('query');
    const d = drizzle(c.env.DB);
    const where = to ? eq(outbox.to, to.toLowerCase()) : undefined;
    const [rows, total] = await Promise.all([
      d.select().from(outbox).where(where).orderBy(desc(outbox.seq)).limit(limit ?? 25),
      d.select({ n: count() }).from(outbox).where(where),
    ]);
    return c.json({
      total: total[0]?.n ?? 0,
      messages: rows.map((r) => ({
        $id: r.id,
        $createdAt: r.createdAt,
        to: r.to,
        subject: r.subject,
        text: r.text,
        html: r.html,
        kind: r.kind,
        provider: r.provider,
        status: r.status,
        error: r.error,
      })),
    });
  },
);
