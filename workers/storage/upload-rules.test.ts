import { describe, expect, it } from 'vitest';
import { ApiError } from '../lib/errors';
import { assertExtension, assertSize, CHUNK_SIZE, cleanFileName, fileExtension, parseContentRange, sizeLimit } from './upload-rules';

const typeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as ApiError).type;
  }
  return null;
};

describe('upload rules', () => {
  it('accepts the SDK chunk grid and numbers parts from 1', () => {
    const size = 2 * CHUNK_SIZE + 7;
    expect(parseContentRange(`bytes 0-${CHUNK_SIZE - 1}/${size}`)).toEqual({ start: 0, end: CHUNK_SIZE - 1, size, index: 1, total: 3, length: CHUNK_SIZE });
    expect(parseContentRange(`bytes ${2 * CHUNK_SIZE}-${size - 1}/${size}`)).toMatchObject({ index: 3, total: 3, length: 7 });
    expect(parseContentRange('bytes 0-0/1')).toMatchObject({ index: 1, total: 1, length: 1 });
  });

  it('refuses malformed, misaligned, overlapping and out-of-bounds ranges', () => {
    for (const header of ['', 'bytes 0-9', 'bytes=0-9/10', 'bytes 9-0/10', 'bytes 0-10/10', 'bytes 1-9/10', 'bytes 0-4/10', `bytes 0-${CHUNK_SIZE}/${CHUNK_SIZE * 2}`, 'bytes 0-0/0', 'bytes -1-9/10', `bytes 0-9/1${'0'.repeat(16)}`]) {
      expect(typeOf(() => parseContentRange(header)), header).toBe('storage_invalid_content_range');
    }
  });

  it('caps a bucket by the project-wide STORAGE_LIMIT', () => {
    expect(sizeLimit({ maximumFileSize: 100 }, 50)).toBe(50);
    expect(sizeLimit({ maximumFileSize: 100 }, 500)).toBe(100);
    expect(typeOf(() => assertSize(51, 50))).toBe('storage_invalid_file_size');
    expect(typeOf(() => assertSize(50, 50))).toBeNull();
  });

  it('checks extensions case-insensitively; an empty list allows all', () => {
    expect(fileExtension('photo.PNG')).toBe('png');
    expect(fileExtension('.env')).toBe('');
    expect(fileExtension('archive.tar.gz')).toBe('gz');
    expect(typeOf(() => assertExtension({ allowedFileExtensions: ['png'] }, 'a.PNG'))).toBeNull();
    expect(typeOf(() => assertExtension({ allowedFileExtensions: ['png'] }, 'a.png.exe'))).toBe('storage_file_type_unsupported');
    expect(typeOf(() => assertExtension({ allowedFileExtensions: [] }, 'anything'))).toBeNull();
  });

  it('keeps names as metadata: control characters dropped, bounded, never empty', () => {
    expect(cleanFileName('a\u0000b\nc.txt')).toBe('abc.txt');
    expect(cleanFileName('x'.repeat(300))).toHaveLength(255);
    expect(cleanFileName('\u0001')).toBe('file');
    expect(cleanFileName('../../etc/passwd')).toBe('../../etc/passwd');
  });
});
