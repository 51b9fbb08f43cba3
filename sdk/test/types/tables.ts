/**
 * Compile-time proofs for typed tables: every `@ts-expect-error` below must be an error, or `tsc`
 * fails ("Unused '@ts-expect-error' directive"). Run by sdk/test/types.node.ts (and `npm run typecheck`).
 */
import { createClient, Query } from '../../src/index';
import type { Schema } from './schema';

const client = createClient({ endpoint: 'http://127.0.0.1:8787/v1', project: 'local' });
const tables = client.tables<Schema>();
const t = { databaseId: 'blog', tableId: 'posts' } as const;

export async function fixtures() {
  // Good queries compile, and the rows come back typed.
  const list = await tables.listRows({ ...t, queries: [Query.equal('status', ['draft', 'published']), Query.greaterThan('views', 3), Query.orderDesc('$createdAt'), Query.limit(10)] });
  const title: string = list.rows[0].title;
  const views: number | null | undefined = list.rows[0].views;
  void title, views;
  await tables.listRows({ ...t, queries: [Query.contains('tags', 'edge'), Query.isNull('views'), Query.or([Query.equal('title', 'a'), Query.startsWith('title', 'b')])] });
  await tables.listRows({ ...t, queries: [Query.equal('author', 'author-id'), Query.select(['title', 'author.*'])] });

  // A column the table does not have.
  // @ts-expect-error 'nope' is not a column of posts
  await tables.listRows({ ...t, queries: [Query.equal('nope', 'x')] });
  // @ts-expect-error ordering by a missing column
  await tables.listRows({ ...t, queries: [Query.orderAsc('missing')] });
  // @ts-expect-error a missing column inside or()
  await tables.listRows({ ...t, queries: [Query.or([Query.equal('title', 'a'), Query.equal('titel', 'b')])] });

  // A value of the wrong type.
  // @ts-expect-error views is a number
  await tables.listRows({ ...t, queries: [Query.equal('views', 'many')] });
  // @ts-expect-error 'archived' is not one of the enum's elements
  await tables.listRows({ ...t, queries: [Query.equal('status', 'archived')] });
  // @ts-expect-error title is a string
  await tables.listRows({ ...t, queries: [Query.greaterThan('title', 3)] });

  // A table (or database) that does not exist.
  // @ts-expect-error no table 'comments' in blog
  await tables.listRows({ databaseId: 'blog', tableId: 'comments' });
  // @ts-expect-error no database 'shop'
  await tables.getRow({ databaseId: 'shop', tableId: 'posts', rowId: 'x' });

  // Writes: required columns, value types, relationships by id.
  await tables.createRow({ ...t, rowId: 'a', data: { title: 'Hello', status: 'draft', author: 'author-id' } });
  // @ts-expect-error status is required
  await tables.createRow({ ...t, rowId: 'b', data: { title: 'Hello' } });
  // @ts-expect-error views is a number
  await tables.updateRow({ ...t, rowId: 'a', data: { views: 'ten' } });
  // @ts-expect-error no column 'body'
  await tables.updateRow({ ...t, rowId: 'a', data: { body: 'text' } });
  // @ts-expect-error only numeric columns can be incremented
  await tables.incrementRowColumn({ ...t, rowId: 'a', column: 'title' });

  // select() projects the row type.
  const picked = await tables.listRows({ ...t, queries: [Query.select(['title', 'views'])] });
  const pickedTitle: string = picked.rows[0].title;
  const id: string = picked.rows[0].$id;
  void pickedTitle, id;
  // @ts-expect-error status was not selected
  void picked.rows[0].status;
  // @ts-expect-error selecting a column that does not exist
  await tables.listRows({ ...t, queries: [Query.select(['title', 'summary'])] });
  const one = await tables.getRow({ ...t, rowId: 'a', queries: [Query.select(['status'])] });
  const status: 'draft' | 'published' = one.status;
  void status;
  // @ts-expect-error title was not selected
  void one.title;

  // Without a schema, anything goes (and values are `any`).
  const loose = await client.tables().listRows({ databaseId: 'any', tableId: 'thing', queries: [Query.equal('whatever', 1)] });
  void loose.rows[0].whatever;
}
