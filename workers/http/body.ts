import { zValidator } from '@hono/zod-validator';
import type { Context, MiddlewareHandler } from 'hono';
import { z, type ZodType } from 'zod';
import type { AppEnv } from '../env';
import { ApiError } from '../lib/errors';
import { parseJsonBig } from '../lib/json-big';
import { describeZodError, foldBrackets } from '../lib/validator';

/**
 * The one way request input is read and validated. JSON bodies are parsed int64-safe (an integer
 * beyond ±2^53 arrives as a `bigint`, never rounded), validated with zod, and a mismatch is
 * `general_argument_invalid` worded by `describeZodError`.
 */

const JSON_TYPE = /^application\/([a-z-.]+\+)?json/i;

/**
 * Reads and validates the JSON body. Use it inside a handler when the schema depends on the route
 * (a column's type, a table's columns); otherwise declare `body(schema)` on the route. A body
 * sent as a form is validated as `{}`, as Hono's validator does; malformed JSON is a 400.
 */
export async function readBody<T extends ZodType>(c: Context, schema: T): Promise<z.output<T>> {
  const type = c.req.header('Content-Type');
  let raw: unknown = {};
  if (!type || JSON_TYPE.test(type)) {
    // text() is cached by Hono, so a rate-limit key that peeked at the body costs nothing here.
    const text = await c.req.text();
    if (text.trim() !== '') {
      try {
        raw = parseJsonBig(text);
      } catch {
        throw new ApiError('general_argument_invalid', 'Invalid request body: Malformed JSON in request body');
      }
    }
  }
  const result = schema.safeParse(raw);
  if (!result.success) throw new ApiError('general_argument_invalid', describeZodError(result.error));
  return result.data;
}

/** The JSON body validated by `schema`, then read with `c.req.valid('json')`. */
export function body<T extends ZodType>(schema: T): MiddlewareHandler<AppEnv, string, { in: { json: z.input<T> }; out: { json: z.output<T> } }> {
  return async function ledgeBody(c, next) {
    c.req.addValidatedData('json', (await readBody(c, schema)) as object);
    await next();
  };
}

const hook = (result: { success: boolean; error?: unknown }) => {
  if (!result.success) throw new ApiError('general_argument_invalid', describeZodError(result.error as z.ZodError));
};

/** The query string validated by `schema` after bracket folding (`queries[0]=…`), read with `c.req.valid('query')`. */
export function query<T extends ZodType>(schema: T) {
  return zValidator(
    'query',
    z.preprocess((v) => foldBrackets(v as Record<string, string | string[]>), schema) as unknown as T,
    hook,
  );
}
