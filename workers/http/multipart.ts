import * as Multipasta from 'multipasta';
import { ApiError } from '../lib/errors';

/**
 * Streams a multipart/form-data body without holding it whole. workerd's `Request.formData()`
 * (and Hono's `parseBody`, built on it) reads the entire body into memory; uploads can be
 * gigabytes, so the body is fed through multipasta, a streaming parser: text fields are collected
 * (small, bounded), and each file part's bytes go to the caller's sink as they arrive. The sink is
 * awaited between reads, so a slow sink (an R2 part upload) holds back reading: at most one read
 * of the body beyond what the sink keeps is in memory.
 */
export interface FilePart {
  field: string;
  filename: string;
  contentType: string;
}

export interface FileSink {
  write(chunk: Uint8Array): Promise<void> | void;
  end(): Promise<void> | void;
}

export interface MultipartInput {
  /** Text fields by name, in order; `permissions[]` keeps its brackets. */
  fields: Map<string, string[]>;
  /** Names of the file parts seen. */
  files: string[];
}

const MAX_FIELD_SIZE = 64 * 1024;
const MAX_PARTS = 256;

/**
 * A part's `name` and `filename`. multipasta's parameter grammar takes only Latin-1 in quoted
 * values, while browsers and the SDKs send a file name as raw UTF-8 (`filename="отчёт.pdf"`):
 * such a header parses as having no parameters at all, and the file would pass for an empty
 * field. Then the two parameters are read here instead.
 */
function partNames(info: Multipasta.PartInfo): { name: string; filename: string | undefined } {
  if ('name' in info.contentDispositionParameters) return { name: info.name, filename: info.filename };
  const header = info.headers['content-disposition'];
  const raw = (Array.isArray(header) ? header[0] : header) ?? '';
  const param = (key: string) => {
    const m = new RegExp(`;\\s*${key}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s"]+))`, 'i').exec(raw);
    return m ? (m[1]?.replace(/\\(.)/g, '$1') ?? m[2]) : undefined;
  };
  return { name: param('name') ?? '', filename: param('filename') };
}

export function isMultipart(headers: Headers): boolean {
  return /^multipart\/form-data/i.test(headers.get('Content-Type') ?? '');
}

/**
 * Reads the body; `onFile` is called with each file part's headers (before its bytes, with the
 * fields seen so far) and returns its sink. A throw from `onFile` or a sink stops reading and
 * propagates; malformed bodies are `general_argument_invalid`.
 */
export async function readMultipart(
  request: Request,
  onFile: (part: FilePart, fieldsSoFar: Map<string, string[]>) => FileSink,
): Promise<MultipartInput> {
  const fields = new Map<string, string[]>();
  const files: string[] = [];
  // The parser's callbacks are synchronous: they queue work that the read loop then awaits in order.
  const queue: (() => Promise<void> | void)[] = [];
  let failure: unknown = null;
  let done = false;
  const headers: Record<string, string> = {};
  request.headers.forEach((value, key) => (headers[key] = value));

  const parser = Multipasta.make({
    headers,
    maxParts: MAX_PARTS,
    maxFieldSize: MAX_FIELD_SIZE,
    // Only parts with a filename are files (a browser sends `filename=""` for an empty input too).
    isFile: (info) => partNames(info).filename !== undefined,
    onField(info, value) {
      const { name } = partNames(info);
      const list = fields.get(name) ?? [];
      list.push(Multipasta.decodeField(info, value));
      fields.set(name, list);
    },
    onFile(info) {
      const { name, filename } = partNames(info);
      files.push(name);
      let sink: FileSink | null = null;
      queue.push(() => {
        sink = onFile({ field: name, filename: filename ?? '', contentType: info.contentType || 'application/octet-stream' }, fields);
      });
      return (chunk) => {
        if (chunk === null) queue.push(() => sink?.end());
        else {
          // The parser hands out views into its own buffers: copy before they are reused.
          const copy = chunk.slice();
          queue.push(() => sink?.write(copy));
        }
      };
    },
    onError(error) {
      failure ??= new ApiError('general_argument_invalid', `Invalid multipart body: ${error._tag}${'limit' in error ? ` (${error.limit})` : ''}`);
    },
    onDone() {
      done = true;
    },
  });

  const drain = async () => {
    while (queue.length) await queue.shift()!();
    if (failure) throw failure;
  };

  if (!request.body) throw new ApiError('general_argument_invalid', 'Invalid multipart body: empty');
  const reader = request.body.getReader();
  try {
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      parser.write(value);
      await drain();
    }
    parser.end();
    await drain();
  } catch (err) {
    await reader.cancel().catch(() => {});
    throw err;
  }
  if (!done) throw new ApiError('general_argument_invalid', 'Invalid multipart body: EndNotReached');
  return { fields, files };
}

/** A field's value, accepting both `name` and `name[]` (the SDKs send arrays as `name[]`). */
export function fieldList(fields: Map<string, string[]>, name: string): string[] | undefined {
  return fields.get(`${name}[]`) ?? fields.get(name);
}

export function fieldValue(fields: Map<string, string[]>, name: string): string | undefined {
  return fields.get(name)?.[0];
}
