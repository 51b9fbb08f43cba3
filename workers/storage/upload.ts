/**
 * `POST /storage/buckets/{b}/files`, as the SDKs send it: a multipart body with `fileId`, `file`
 * and `permissions[]`; files over 5 MiB in 5 MiB chunks with `Content-Range` (the first alone,
 * then the rest with `X-Appwrite-Id`, up to 8 at once). Everything is checked that can be before
 * a byte is kept, and whatever reached R2 is removed when the request is refused later.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { publishAfterCommit } from '../events/publish';
import { fieldList, fieldValue, isMultipart, readMultipart, type FilePart } from '../http/multipart';
import { uniqueViolationText } from '../lib/d1';
import { ApiError } from '../lib/errors';
import { isValidId, resolveId } from '../lib/ids';
import { assertCanCreate, canAccess, resolveItemPermissions } from '../lib/permissions-container';
import { findBucket } from './bucket-store';
import { completeUpload, recordChunk, reportedChunks } from './chunks';
import { fileEvent } from './events';
import { assertUsableBucket, bucketContainer, filePermissions } from './file-access';
import { findFile, fileModel, insertedFile, insertFileStatements, type FileRow } from './file-store';
import { detectMime } from './mime';
import { ChunkSink, WholeFileSink } from './r2-sink';
import { assertExtension, assertSize, cleanFileName, fileExtension, parseContentRange, sizeLimit, type ChunkRange } from './upload-rules';

/** A server-generated R2 key under the bucket's prefix; the file's id and name never reach it. */
const newObjectKey = (bucketSeq: number) => `${bucketSeq}/${crypto.randomUUID().replaceAll('-', '')}`;

function headerFileId(c: Context<AppEnv>): string | undefined {
  const id = c.req.header('X-Appwrite-Id');
  if (id === undefined) return undefined;
  if (id === 'unique()' || !isValidId(id)) throw new ApiError('storage_invalid_appwrite_id');
  return id;
}

/** `fileId` is required, as in Appwrite (`unique()` asks for a new one). */
function fileIdOf(fields: Map<string, string[]>): string {
  const id = fieldValue(fields, 'fileId');
  if (id === undefined) throw new ApiError('general_argument_invalid', 'Param "fileId" is not optional.');
  return resolveId(id, 'fileId');
}

export async function createFile(c: Context<AppEnv>): Promise<Response> {
  const principal = c.get('principal');
  const bucket = await findBucket(c.env.DB, c.req.param('bucketId')!);
  assertUsableBucket(principal, bucket);
  const container = bucketContainer(bucket);
  assertCanCreate(principal, container);
  if (!isMultipart(c.req.raw.headers)) throw new ApiError('storage_file_empty');

  const limit = sizeLimit(bucket, c.get('config').storageLimit);
  const rangeHeader = c.req.header('Content-Range');
  const range = rangeHeader === undefined ? null : parseContentRange(rangeHeader);
  if (range) assertSize(range.size, limit);
  const idFromHeader = headerFileId(c);

  let part: FilePart | null = null;
  let whole: WholeFileSink | null = null;
  let chunk: ChunkSink | null = null;
  const r2Key = newObjectKey(bucket.seq);
  let fields: Map<string, string[]>;
  try {
    ({ fields } = await readMultipart(c.req.raw, (p, soFar) => {
      if (p.field !== 'file' || part) throw new ApiError('general_argument_invalid', 'Send one file, in the `file` field.');
      part = { ...p, filename: cleanFileName(p.filename) };
      assertExtension(bucket, part.filename);
      // The SDKs send `fileId` before the file: a bad id is refused before any byte is stored.
      const early = fieldValue(soFar, 'fileId');
      if (early !== undefined && idFromHeader === undefined) resolveId(early, 'fileId');
      if (range) return (chunk = new ChunkSink(range.length));
      const declared = p.contentType;
      const ext = fileExtension(part.filename);
      return (whole = new WholeFileSink(c.env.FILES, r2Key, limit, (head) => detectMime(head, declared, ext), bucket.compression));
    }));
    if (!part) throw new ApiError('storage_file_empty');
  } catch (err) {
    await (whole as WholeFileSink | null)?.discard();
    throw err;
  }
  const filePart = part as FilePart;
  const requested = fieldList(fields, 'permissions');
  if (range) return uploadChunk(c, { bucket, range, part: filePart, bytes: (chunk as unknown as ChunkSink).bytes!, requested, id: idFromHeader ?? fileIdOf(fields) });

  const sink = whole as unknown as WholeFileSink;
  try {
    const id = fileIdOf(fields);
    const permissions = resolveItemPermissions(principal, requested, null);
    const stored = sink.result!;
    const row = { bucket, id, r2Key, name: filePart.filename, permissions, sizeOriginal: stored.size, sizeActual: stored.stored, algorithm: stored.algorithm, signature: stored.etag };
    const mimeType = detectMime(stored.head, filePart.contentType, fileExtension(filePart.filename));
    const file = insertedFile(await c.env.DB.batch(insertFileStatements(c.env.DB, { ...row, mimeType, chunksTotal: 1, chunksUploaded: 1, status: 'ready', uploadId: null })))!;
    publishAfterCommit(c, [fileEvent(bucket, file, 'create', principal)]);
    return c.json(fileModel(file, bucket), 201);
  } catch (err) {
    await sink.discard();
    if (uniqueViolationText(err) !== null) throw new ApiError('storage_file_already_exists');
    throw err;
  }
}

interface ChunkInput {
  bucket: NonNullable<Awaited<ReturnType<typeof findBucket>>>;
  range: ChunkRange;
  part: FilePart;
  bytes: Uint8Array;
  requested: string[] | undefined;
  id: string;
}

async function uploadChunk(c: Context<AppEnv>, input: ChunkInput): Promise<Response> {
  const { bucket, range, bytes, id } = input;
  const principal = c.get('principal');
  const db = c.env.DB;
  let file = await findFile(db, bucket.seq, id);
  if (!file) file = await startUpload(c, input);
  if (file.sizeOriginal !== range.size) throw new ApiError('storage_invalid_content_range');
  if (file.status === 'ready') return finished(c, file, input);

  let uploaded: R2UploadedPart;
  try {
    uploaded = await c.env.FILES.resumeMultipartUpload(file.r2Key, file.uploadId!).uploadPart(range.index, bytes);
  } catch (err) {
    // The upload may have been completed (or aborted) meanwhile by another request.
    const now = await findFile(db, bucket.seq, id);
    if (now?.status === 'ready') return finished(c, now, input);
    if (!now) throw new ApiError('storage_file_not_found');
    throw err;
  }
  const { row, claimed } = await recordChunk(db, file, uploaded, bytes.length);
  if (!row) throw new ApiError('storage_file_not_found');
  if (!claimed) return c.json(fileModel(reportedChunks(row), bucket), 200);
  const done = await completeUpload(c.env, row);
  publishAfterCommit(c, [fileEvent(bucket, done, 'create', principal)]);
  return c.json(fileModel(done, bucket), 201);
}

/** A re-sent chunk of a finished upload: the file, to whoever may read it (Appwrite's 200). */
function finished(c: Context<AppEnv>, file: FileRow, input: ChunkInput): Response {
  if (!canAccess(c.get('principal'), bucketContainer(input.bucket), filePermissions(file), 'read')) throw new ApiError('storage_file_already_exists');
  return c.json(fileModel(file, input.bucket), 200);
}

/**
 * The first chunk to arrive creates the file row and its R2 multipart upload. Two first chunks at
 * once each create an upload; the row insert decides, and the loser aborts its own.
 */
async function startUpload(c: Context<AppEnv>, input: ChunkInput): Promise<FileRow> {
  const { bucket, range, part, bytes, id } = input;
  const permissions = resolveItemPermissions(c.get('principal'), input.requested, null);
  const r2Key = newObjectKey(bucket.seq);
  const mimeType = detectMime(range.index === 1 ? bytes.subarray(0, 64) : new Uint8Array(), part.contentType, fileExtension(part.filename));
  const upload = await c.env.FILES.createMultipartUpload(r2Key, { httpMetadata: { contentType: mimeType } });
  let file: FileRow | null;
  try {
    file = insertedFile(await c.env.DB.batch(insertFileStatements(c.env.DB, {
      bucket, id, r2Key, name: part.filename, permissions, mimeType, sizeOriginal: range.size, sizeActual: 0, signature: '',
      chunksTotal: range.total, chunksUploaded: 0, status: 'uploading', uploadId: upload.uploadId,
    }, true)));
  } catch (err) {
    await upload.abort().catch(() => {});
    throw err;
  }
  if (file) return file;
  // Another first chunk created the file meanwhile: use theirs, drop ours.
  await upload.abort().catch(() => {});
  file = await findFile(c.env.DB, bucket.seq, id);
  if (!file) throw new ApiError('storage_file_not_found');
  return file;
}
