import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { call, errorOf, rootKey } from '../../test/helpers';
import { parseJsonBig, stringifyJsonBig } from '../lib/json-big';
import { post, patch, get, del, ok, sql, tableSeq, sqlColumns, newDb, newTable, cols, EVERY_TYPE } from './testing/schema-api';

// Columns of every type.

describe('columns', () => {
  it('creates one real column of every type and reports Appwrite column models', async () => {
    const db = await newDb();
    await newTable(db);
    for (const [type, body, expected] of EVERY_TYPE) {
      const res = await call(`${cols(db)}/${type}`, { method: 'POST', key: rootKey(), body: stringifyJsonBig(body) });
      const column = await ok(res, 202);
      expect(column, type).toMatchObject({ key: body.key, status: 'available', error: '', required: body.required, array: body.array ?? false, ...expected });
    }
    const seq = await tableSeq(db, 'posts');
    const real = await sqlColumns(seq);
    for (const [, body, , sqlType] of EVERY_TYPE) expect(real[`c_${body.key}`], String(body.key)).toBe(sqlType);

    const text = await (await get(cols(db))).text();
    // int64 bounds leave as exact number literals.
    expect(text).toContain('"min":-9223372036854775808');
    expect(text).toContain('"default":9007199254740995');
    const list = parseJsonBig(text) as { total: number; columns: { key: string }[] };
    expect(list.total).toBe(EVERY_TYPE.length);
    const attributes = await ok<{ attributes: { key: string }[] }>(await get(`/v1/databases/${db}/collections/posts/attributes`));
    expect(attributes.attributes.map((a) => a.key)).toEqual(list.columns.map((c) => c.key));
    const table = await ok<{ columns: unknown[]; bytesMax: number; bytesUsed: number }>(await get(`/v1/tablesdb/${db}/tables/posts`));
    expect(table.columns).toHaveLength(EVERY_TYPE.length);
    expect(table.bytesMax).toBe(2_000_000);
    expect(table.bytesUsed).toBeGreaterThan(0);
    expect(await ok(await get(`${cols(db)}/state`))).toMatchObject({ key: 'state', elements: ['draft', 'live'] });
  });

  it('refuses bad columns with the right error and changes nothing', async () => {
    const db = await newDb();
    await newTable(db);
    await ok(await post(`${cols(db)}/string`, { key: 'title', size: 10, required: false }), 202);
    const seq = await tableSeq(db, 'posts');
    const before = await sqlColumns(seq);
    const cases: [string, Record<string, unknown>, string, string?][] = [
      ['string', { key: 'title', size: 10, required: false }, 'column_already_exists'],
      ['string', { key: 'TITLE', size: 10, required: false }, 'column_already_exists'],
      ['string', { key: '_hidden', size: 10, required: false }, 'general_argument_invalid'],
      ['string', { key: 'a b', size: 10, required: false }, 'general_argument_invalid'],
      ['string', { key: 'x'.repeat(37), size: 10, required: false }, 'general_argument_invalid'],
      ['string', { key: 'long', size: 3, required: false, default: 'abcd' }, 'column_value_invalid'],
      ['string', { key: 'nosize', required: false }, 'general_argument_invalid'],
      ['string', { key: 'req', size: 5, required: true, default: 'a' }, 'column_default_unsupported'],
      ['string', { key: 'arr', size: 5, required: false, array: true, default: 'a' }, 'column_default_unsupported'],
      ['integer', { key: 'n', required: false, default: 'five' }, 'general_argument_invalid'],
      ['integer', { key: 'n', required: false, min: 10, max: 1 }, 'column_value_invalid', 'Minimum value must be lesser than maximum value'],
      ['integer', { key: 'n', required: false, min: 0, max: 10, default: 11 }, 'column_value_invalid'],
      ['float', { key: 'f', required: false, min: 0, max: 1, default: 2 }, 'column_value_invalid'],
      ['boolean', { key: 'b', required: false, default: 'yes' }, 'general_argument_invalid'],
      ['email', { key: 'e', required: false, default: 'not-an-email' }, 'general_argument_invalid'],
      ['ip', { key: 'i', required: false, default: '300.1.1.1' }, 'general_argument_invalid'],
      ['url', { key: 'u', required: false, default: 'nope' }, 'general_argument_invalid'],
      ['datetime', { key: 'd', required: false, default: 'yesterday' }, 'general_argument_invalid'],
      ['enum', { key: 'en', required: false, elements: ['a', 'b'], default: 'c' }, 'column_value_invalid', 'Default value not found in elements'],
      ['enum', { key: 'en', required: false, elements: [] }, 'column_value_invalid'],
      ['point', { key: 'p', required: false }, 'column_type_not_supported'],
    ];
    for (const [type, body, expected, message] of cases) {
      const err = await errorOf(await post(`${cols(db)}/${type}`, body));
      expect(err.type, JSON.stringify(body)).toBe(expected);
      if (message) expect(err.message).toBe(message);
    }
    const legacy = await errorOf(await post(`/v1/databases/${db}/collections/posts/attributes/string`, { key: 'title', size: 5, required: false }));
    expect(legacy.type).toBe('attribute_already_exists');
    expect((await errorOf(await post(`/v1/databases/${db}/collections/posts/attributes/integer`, { key: 'n', required: false, min: 2, max: 1 }))).type).toBe('attribute_value_invalid');
    expect((await errorOf(await post(`/v1/databases/${db}/collections/nope/attributes/integer`, { key: 'n', required: false }))).type).toBe('collection_not_found');
    expect((await errorOf(await post(`${cols(db, 'nope')}/integer`, { key: 'n', required: false }))).type).toBe('table_not_found');
    expect((await errorOf(await post(`/v1/tablesdb/nope/tables/posts/columns/integer`, { key: 'n', required: false }))).type).toBe('database_not_found');
    expect(await sqlColumns(seq)).toEqual(before);
    expect((await sql('SELECT "key" FROM columns WHERE table_seq = ?', seq)).length).toBe(1);
  });

  it('stops at D1 column limit before touching SQL', async () => {
    const db = await newDb();
    await newTable(db);
    for (let i = 0; i < 94; i++) await ok(await post(`${cols(db)}/boolean`, { key: `b${i}`, required: false }), 202);
    const err = await errorOf(await post(`${cols(db)}/boolean`, { key: 'one_more', required: false }));
    expect(err.type).toBe('column_limit_exceeded');
    expect(err.code).toBe(400);
    const seq = await tableSeq(db, 'posts');
    expect(Object.keys(await sqlColumns(seq))).toHaveLength(100);
    expect((await errorOf(await post(`/v1/databases/${db}/collections/posts/attributes/boolean`, { key: 'one_more', required: false }))).type).toBe('attribute_limit_exceeded');
  });

  it('stops at D1 row size before touching SQL: declared string sizes must fit a 2 MB row together', async () => {
    const db = await newDb();
    await newTable(db);
    const seq = await tableSeq(db, 'posts');
    await ok(await post(`${cols(db)}/string`, { key: 'a', size: 1_000_000, required: false }), 202);
    await ok(await post(`${cols(db)}/string`, { key: 'b', size: 999_000, required: false }), 202);
    // The text family is bounded per row write instead, so it never counts against the schema.
    for (const type of ['text', 'mediumtext', 'longtext']) await ok(await post(`${cols(db)}/${type}`, { key: `t_${type}`, required: false }), 202);
    const err = await errorOf(await post(`${cols(db)}/string`, { key: 'c', size: 2_000, required: false }));
    expect(err).toMatchObject({ code: 400, type: 'column_limit_exceeded' });
    expect(err.message).toContain('2000000');
    const grow = await errorOf(await patch(`${cols(db)}/string/b`, { required: false, default: null, size: 1_500_000 }));
    expect(grow.type).toBe('column_limit_exceeded');
    expect(Object.keys(await sqlColumns(seq))).not.toContain('c_c');
    expect(await ok(await get(`${cols(db)}/b`))).toMatchObject({ size: 999_000 });
    const inline = await errorOf(await post(`/v1/tablesdb/${db}/tables`, {
      tableId: 'wide', name: 'Wide',
      columns: [{ key: 'x', type: 'string', size: 1_500_000, required: false }, { key: 'y', type: 'string', size: 1_500_000, required: false }],
    }));
    expect(inline.type).toBe('column_limit_exceeded');
    expect(await sql('SELECT 1 FROM tables WHERE database_id = ? AND id = ?', db, 'wide')).toEqual([]);
  });

  it('updates a column: required/default/size/bounds, rename, and refuses a type mismatch', async () => {
    const db = await newDb();
    await newTable(db);
    await ok(await post(`${cols(db)}/string`, { key: 'title', size: 20, required: false }), 202);
    await ok(await post(`${cols(db)}/integer`, { key: 'n', required: false, min: 0, max: 10 }), 202);
    const seq = await tableSeq(db, 'posts');
    const updated = await ok(await patch(`${cols(db)}/string/title`, { required: false, default: 'hello', size: 30 }));
    expect(updated).toMatchObject({ key: 'title', size: 30, default: 'hello' });
    expect(await ok(await patch(`${cols(db)}/integer/n`, { required: true, default: null, max: 50 }))).toMatchObject({ min: 0, max: 50, required: true });
    expect((await errorOf(await patch(`${cols(db)}/integer/n`, { required: false, default: 60 }))).type).toBe('column_value_invalid');
    expect((await errorOf(await patch(`${cols(db)}/integer/title`, { required: false, default: null }))).type).toBe('column_type_invalid');
    expect((await errorOf(await patch(`${cols(db)}/string/missing`, { required: false, default: null }))).type).toBe('column_not_found');
    expect((await errorOf(await patch(`${cols(db)}/string/title`, { required: false, default: null, newKey: 'N' }))).type).toBe('column_already_exists');

    // A stored value longer than the new size blocks shrinking.
    await env.DB.prepare(`INSERT INTO t_${seq} (_uid, _createdAt, _updatedAt, c_title) VALUES ('r1', 'x', 'x', ?)`).bind('a'.repeat(25)).run();
    expect((await errorOf(await patch(`${cols(db)}/string/title`, { required: false, default: null, size: 10 }))).type).toBe('column_invalid_resize');

    const renamed = await ok(await patch(`${cols(db)}/string/title`, { required: false, default: null, newKey: 'headline' }));
    expect(renamed.key).toBe('headline');
    const real = await sqlColumns(seq);
    expect(real).toHaveProperty('c_headline');
    expect(real).not.toHaveProperty('c_title');
    expect((await sql(`SELECT c_headline FROM t_${seq}`))[0]).toEqual({ c_headline: 'a'.repeat(25) });
    await ok(await patch(`${cols(db)}/string/headline`, { required: false, default: null, newKey: 'Headline' }));
    expect(await sqlColumns(seq)).toHaveProperty('c_Headline');
  });

  it('deletes a column and the SQL column with it', async () => {
    const db = await newDb();
    await newTable(db);
    await ok(await post(`${cols(db)}/string`, { key: 'title', size: 20, required: false }), 202);
    const seq = await tableSeq(db, 'posts');
    await ok(await del(`${cols(db)}/title`), 204);
    expect(await sqlColumns(seq)).not.toHaveProperty('c_title');
    expect((await errorOf(await get(`${cols(db)}/title`))).type).toBe('column_not_found');
    expect((await errorOf(await del(`/v1/databases/${db}/collections/posts/attributes/title`))).type).toBe('attribute_not_found');
  });
});
