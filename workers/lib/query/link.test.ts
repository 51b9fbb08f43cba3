/**
 * Link fields (relationship columns): the compiler filters by related id through the link table,
 * on a target built by hand, against real SQL in workerd.
 */
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../errors';
import { compileQueries, listSql, parseQueries, type QueryTarget } from './index';

const target: QueryTarget = {
  table: 'lq_posts',
  idColumn: '_uid',
  seqColumn: '_seq',
  fields: {
    $id: { column: '_uid', kind: 'text', array: false, notNull: true },
    $sequence: { column: '_seq', kind: 'integer', array: false, notNull: true },
    author: { column: '_uid', kind: 'text', array: false, link: { table: 'lq_author', own: 'p', other: 'c' } },
    tags: { column: '_uid', kind: 'text', array: true, link: { table: 'lq_tags', own: 'p', other: 'c' } },
  },
};
const q = (method: string, attribute?: string, values?: unknown[]) => JSON.stringify({ method, attribute, values });

async function ids(queries: string[]) {
  const stmt = listSql(target, compileQueries(queries, target), { columns: '_uid' });
  return (await env.DB.prepare(stmt.sql).bind(...stmt.params).all<{ _uid: string }>()).results.map((r) => r._uid);
}

beforeAll(async () => {
  await env.DB.batch([
    env.DB.prepare('CREATE TABLE IF NOT EXISTS lq_posts (_seq INTEGER PRIMARY KEY, _uid TEXT UNIQUE)'),
    env.DB.prepare('CREATE TABLE IF NOT EXISTS lq_author (p TEXT, c TEXT, PRIMARY KEY (p, c))'),
    env.DB.prepare('CREATE TABLE IF NOT EXISTS lq_tags (p TEXT, c TEXT, PRIMARY KEY (p, c))'),
    env.DB.prepare("INSERT INTO lq_posts (_seq, _uid) VALUES (1, 'p1'), (2, 'p2'), (3, 'p3')"),
    env.DB.prepare("INSERT INTO lq_author (p, c) VALUES ('p1', 'ann'), ('p2', 'bob')"),
    env.DB.prepare("INSERT INTO lq_tags (p, c) VALUES ('p1', 'x'), ('p1', 'y'), ('p3', 'y')"),
  ]);
});

describe('link fields', () => {
  it('filter by related id, by several, by absence and presence', async () => {
    expect(await ids([q('equal', 'author', ['ann'])])).toEqual(['p1']);
    expect(await ids([q('equal', 'author', ['ann', 'bob'])])).toEqual(['p1', 'p2']);
    expect(await ids([q('notEqual', 'author', ['ann'])])).toEqual(['p2']);
    expect(await ids([q('isNull', 'author')])).toEqual(['p3']);
    expect(await ids([q('isNotNull', 'author')])).toEqual(['p1', 'p2']);
    expect(await ids([q('contains', 'tags', ['y'])])).toEqual(['p1', 'p3']);
    expect(await ids([q('equal', 'tags', ['x'])])).toEqual(['p1']);
    expect(await ids([q('or', undefined, [{ method: 'isNull', attribute: 'author' }, { method: 'equal', attribute: 'author', values: ['bob'] }])])).toEqual(['p2', 'p3']);
  });

  it('refuses other operators and orders, and lets select name nested paths', () => {
    for (const bad of [q('greaterThan', 'author', ['a']), q('startsWith', 'author', ['a']), q('orderAsc', 'author'), q('equal', 'author', [1])]) {
      expect(() => parseQueries([bad], target), bad).toThrow(ApiError);
    }
    expect(parseQueries([q('select', undefined, ['$id', 'author.*', 'tags.name.deeper'])], target).select).toEqual(['$id', 'author.*', 'tags.name.deeper']);
    expect(() => parseQueries([q('select', undefined, ['nope.*'])], target)).toThrow(ApiError);
  });
});
