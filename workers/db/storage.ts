/** Storage (0010, 0011): buckets, files, the files' permission side table, upload parts, file tokens. */
import { sqliteTable, text, integer, index, uniqueIndex, primaryKey } from 'drizzle-orm/sqlite-core';
import { bool, json } from './columns';

export const buckets = sqliteTable(
  'buckets',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    name: text('name').notNull(),
    permissions: json<string[]>('permissions').notNull().default([]),
    fileSecurity: bool('file_security').notNull().default(false),
    enabled: bool('enabled').notNull().default(true),
    maximumFileSize: integer('maximum_file_size').notNull(),
    allowedFileExtensions: json<string[]>('allowed_file_extensions').notNull().default([]),
    compression: text('compression').$type<'none' | 'gzip' | 'zstd'>().notNull().default('none'),
    encryption: bool('encryption').notNull().default(true),
    antivirus: bool('antivirus').notNull().default(true),
    transformations: bool('transformations').notNull().default(true),
    totalSize: integer('total_size').notNull().default(0),
    search: text('search').notNull().default(''),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('buckets_id').on(t.id)],
);

export const files = sqliteTable(
  'files',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    bucketSeq: integer('bucket_seq').notNull(),
    bucketId: text('bucket_id').notNull(),
    id: text('id').notNull(),
    r2Key: text('r2_key').notNull(),
    name: text('name').notNull(),
    permissions: json<string[]>('permissions').notNull().default([]),
    mimeType: text('mime_type').notNull().default(''),
    sizeOriginal: integer('size_original').notNull(),
    sizeActual: integer('size_actual').notNull().default(0),
    signature: text('signature').notNull().default(''),
    chunksTotal: integer('chunks_total').notNull().default(1),
    chunksUploaded: integer('chunks_uploaded').notNull().default(0),
    status: text('status').$type<'uploading' | 'completing' | 'ready'>().notNull().default('ready'),
    uploadId: text('upload_id'),
    completingAt: text('completing_at'),
    version: integer('version').notNull().default(1),
    algorithm: text('algorithm').$type<'none' | 'gzip' | 'zstd'>().notNull().default('none'),
    search: text('search').notNull().default(''),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('files_bucket_id').on(t.bucketSeq, t.id),
    index('files_bucket_created').on(t.bucketSeq, t.createdAt),
    index('files_status_updated').on(t.status, t.updatedAt),
  ],
);

export const filePerms = sqliteTable(
  'file_perms',
  { seq: integer('_seq').notNull(), type: text('type').notNull(), role: text('role').notNull() },
  (t) => [primaryKey({ columns: [t.seq, t.type, t.role] }), index('file_perms_role').on(t.type, t.role, t.seq)],
);

export const fileChunks = sqliteTable(
  'file_chunks',
  { fileSeq: integer('file_seq').notNull(), part: integer('part').notNull(), etag: text('etag').notNull(), size: integer('size').notNull() },
  (t) => [primaryKey({ columns: [t.fileSeq, t.part] })],
);

export const fileTokens = sqliteTable(
  'file_tokens',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    bucketId: text('bucket_id').notNull(),
    fileId: text('file_id').notNull(),
    expire: text('expire'),
    accessedAt: text('accessed_at').notNull().default(''),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('file_tokens_id').on(t.id), index('file_tokens_file').on(t.bucketId, t.fileId)],
);
