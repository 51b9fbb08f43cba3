import { createHash, randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { ID, ImageFormat, Permission, Role, Storage } from 'appwrite';
import { Storage as ServerStorage, Users } from 'node-appwrite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledge, refusal, serverClient } from './support/ledge';
import { storedState } from './support/stored';
import { uniqueEmail, webUser } from './support/web-client';

/** The Storage service through the official web SDK (`appwrite@27`) in Node, as a browser app uses it. */
const sha = (b: Uint8Array | ArrayBuffer) => createHash('sha256').update(new Uint8Array(b)).digest('hex');

function png(width: number, height: number): Buffer {
  const crc = (buf: Buffer) => {
    let c = ~0;
    for (const b of buf) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    }
    return ~c >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw.set([x % 256, y % 256, (x * y) % 256], y * (width * 3 + 1) + 1 + x * 3);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** Width and height from a WebP's first chunk (lossy VP8, lossless VP8L or extended VP8X). */
function webpSize(b: Buffer): { width: number; height: number } {
  expect(b.toString('ascii', 0, 4)).toBe('RIFF');
  expect(b.toString('ascii', 8, 12)).toBe('WEBP');
  const kind = b.toString('ascii', 12, 16);
  if (kind === 'VP8X') return { width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 };
  if (kind === 'VP8L') {
    const bits = b.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  return { width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
}

let bucketId: string;
let stored: Awaited<ReturnType<typeof storedState>>;

async function signedIn() {
  const email = uniqueEmail('storage');
  await new Users(serverClient()).create({ userId: ID.unique(), email, password: 'a-good-password-1', name: 'Filer' });
  const user = webUser(ledge);
  const me = await user.as(async () => {
    await user.account.createEmailPasswordSession({ email, password: 'a-good-password-1' });
    return user.account.get();
  });
  return { ...user, id: me.$id, storage: new Storage(user.client) };
}

beforeAll(async () => {
  const bucket = await new ServerStorage(serverClient()).createBucket({
    bucketId: ID.unique(), name: 'e2e', permissions: [Permission.create(Role.users())], fileSecurity: true,
  });
  bucketId = bucket.$id;
  stored = await storedState();
});

afterAll(async () => {
  await stored?.dispose();
});

describe('Storage with appwrite@27', () => {
  it('uploads 1 KiB and 23 MiB (chunked, concurrent), downloads both intact, reads ranges, previews, lists, shares and deletes', async () => {
    const owner = await signedIn();
    const other = await signedIn();
    const small = randomBytes(1024);
    const big = randomBytes(23 * 1024 * 1024);
    const [smallFile, bigFile] = await owner.as(() => Promise.all([
      owner.storage.createFile({ bucketId, fileId: ID.unique(), file: new File([small], 'small.bin') }),
      owner.storage.createFile({ bucketId, fileId: ID.unique(), file: new File([big], 'big.bin') }),
    ]));
    expect(smallFile).toMatchObject({ name: 'small.bin', sizeOriginal: 1024, chunksTotal: 1, chunksUploaded: 1 });
    expect(bigFile).toMatchObject({ name: 'big.bin', sizeOriginal: big.length, chunksTotal: 5, chunksUploaded: 5 });

    const get = (url: string, init?: RequestInit) => owner.as(() => fetch(url, init));
    for (const [file, bytes] of [[smallFile, small], [bigFile, big]] as const) {
      const res = await get(owner.storage.getFileDownload({ bucketId, fileId: file.$id }));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(bytes.length));
      expect(sha(await res.arrayBuffer())).toBe(sha(bytes));
    }
    const at = 17 * 1024 * 1024 + 5; // inside the fourth chunk, across no boundary
    const range = await get(owner.storage.getFileView({ bucketId, fileId: bigFile.$id }), { headers: { Range: `bytes=${at}-${at + 9999}` } });
    expect(range.status).toBe(206);
    expect(Buffer.from(await range.arrayBuffer()).equals(big.subarray(at, at + 10000))).toBe(true);
    const across = await get(owner.storage.getFileDownload({ bucketId, fileId: bigFile.$id }), { headers: { Range: `bytes=${5 * 1024 * 1024 - 3}-${5 * 1024 * 1024 + 2}` } });
    expect(Buffer.from(await across.arrayBuffer()).equals(big.subarray(5 * 1024 * 1024 - 3, 5 * 1024 * 1024 + 3))).toBe(true);

    // A 64-px WebP preview of a real PNG.
    const image = await owner.as(() => owner.storage.createFile({ bucketId, fileId: ID.unique(), file: new File([new Uint8Array(png(320, 200))], 'photo.png', { type: 'image/png' }) }));
    expect(image.mimeType).toBe('image/png');
    const preview = await get(owner.storage.getFilePreview({ bucketId, fileId: image.$id, width: 64, output: ImageFormat.Webp }));
    expect(preview.status).toBe(200);
    expect(preview.headers.get('content-type')).toBe('image/webp');
    expect(webpSize(Buffer.from(await preview.arrayBuffer()))).toEqual({ width: 64, height: 40 });

    // Another user sees none of it, and cannot fetch it: the same answer as a missing file.
    const theirs = await other.as(() => other.storage.listFiles({ bucketId }));
    expect(theirs.total).toBe(0);
    expect((await other.as(() => fetch(other.storage.getFileDownload({ bucketId, fileId: smallFile.$id })))).status).toBe(404);
    expect((await refusal(other.as(() => other.storage.getFile({ bucketId, fileId: smallFile.$id })))).type).toBe('storage_file_not_found');

    const mine = await owner.as(() => owner.storage.listFiles({ bucketId }));
    expect(mine.files.map((f) => f.$id).sort()).toEqual([smallFile.$id, bigFile.$id, image.$id].sort());
    await owner.as(() => owner.storage.updateFile({ bucketId, fileId: smallFile.$id, permissions: [Permission.read(Role.user(owner.id)), Permission.delete(Role.user(owner.id)), Permission.read(Role.users())] }));
    expect((await other.as(() => other.storage.listFiles({ bucketId }))).files.map((f) => f.$id)).toEqual([smallFile.$id]);

    const prefix = await stored.bucketPrefix(bucketId);
    const bigKey = (await stored.fileRows(bucketId)).find((r) => r.id === bigFile.$id)!.r2_key;
    expect(await stored.r2Keys(bigKey)).toEqual([bigKey]);
    await owner.as(() => owner.storage.deleteFile({ bucketId, fileId: bigFile.$id }));
    expect(await stored.r2Keys(bigKey)).toEqual([]);
    expect((await stored.fileRows(bucketId)).map((r) => r.id)).not.toContain(bigFile.$id);
    expect((await stored.r2Keys(prefix)).length).toBeGreaterThan(0);
  });

  it('refuses bad input with Appwrite errors and keeps nothing', async () => {
    const owner = await signedIn();
    const before = await stored.r2Keys(await stored.bucketPrefix(bucketId));
    for (const fileId of ['../x', 'x'.repeat(37), 'ａｂｃ']) {
      const err = await refusal(owner.as(() => owner.storage.createFile({ bucketId, fileId, file: new File([randomBytes(10)], 'a.bin') })));
      expect(err.type).toBe('general_argument_invalid');
    }
    const limited = await new ServerStorage(serverClient()).createBucket({ bucketId: ID.unique(), name: 'limited', permissions: [Permission.create(Role.users())], maximumFileSize: 1000, allowedFileExtensions: ['txt'] });
    expect((await refusal(owner.as(() => owner.storage.createFile({ bucketId: limited.$id, fileId: ID.unique(), file: new File([randomBytes(2000)], 'a.txt') })))).type).toBe('storage_invalid_file_size');
    expect((await refusal(owner.as(() => owner.storage.createFile({ bucketId: limited.$id, fileId: ID.unique(), file: new File([randomBytes(20)], 'a.exe') })))).type).toBe('storage_file_type_unsupported');
    expect(await stored.r2Keys(await stored.bucketPrefix(limited.$id))).toEqual([]);
    expect(await stored.fileRows(limited.$id)).toEqual([]);
    expect(await stored.r2Keys(await stored.bucketPrefix(bucketId))).toEqual(before);
  });
});
