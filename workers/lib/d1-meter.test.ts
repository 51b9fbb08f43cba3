import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { meteredD1, usageHeader } from './d1-meter';

describe('meteredD1: D1 rows read and written per request (npm run bench)', () => {
  it('adds up every statement, alone or batched, and answers each call as D1 would', async () => {
    await env.DB.batch([
      env.DB.prepare('CREATE TABLE IF NOT EXISTS meter_t (id INTEGER PRIMARY KEY, name TEXT)'),
      env.DB.prepare('DELETE FROM meter_t'),
    ]);
    const { db, usage } = meteredD1(env.DB);
    await db.prepare('INSERT INTO meter_t (id, name) VALUES (?, ?), (?, ?), (?, ?)').bind(1, 'a', 2, 'b', 3, 'c').run();
    expect(usage).toMatchObject({ rowsWritten: 3, queries: 1 });
    expect(await db.prepare('SELECT name FROM meter_t WHERE id = ?').bind(2).first()).toEqual({ name: 'b' });
    expect(await db.prepare('SELECT name FROM meter_t WHERE id = ?').bind(3).first('name')).toBe('c');
    expect(await db.prepare('SELECT name FROM meter_t WHERE id = ?').bind(9).first()).toBeNull();
    expect(await db.prepare('SELECT id, name FROM meter_t ORDER BY id').raw()).toEqual([[1, 'a'], [2, 'b'], [3, 'c']]);
    expect(await db.prepare('SELECT id, name FROM meter_t WHERE id = 1').raw({ columnNames: true })).toEqual([['id', 'name'], [1, 'a']]);
    const before = usage.rowsRead;
    const [all] = await db.batch([db.prepare('SELECT * FROM meter_t')]);
    expect(all.results).toHaveLength(3);
    expect(usage.rowsRead - before).toBe(all.meta.rows_read);
    expect(usage.queries).toBe(7);
    expect(usageHeader(usage)).toMatch(/^read=\d+; written=3; queries=7$/);
  });
});
