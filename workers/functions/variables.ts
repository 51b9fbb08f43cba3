import { and, eq, inArray } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { functionVariables } from '../db/schema';
import { uniqueViolationText } from '../lib/d1';
import { ApiError } from '../lib/errors';
import { loadInKeyOrder, runSystemList, systemTarget, type SystemList, type SystemListInput } from '../lib/system-list';
import { nowDate } from '../lib/time';

export type VariableRow = typeof functionVariables.$inferSelect;

/**
 * Project variables (`/v1/project/variables`) are stored with the functions' under this function
 * id, which no function can have (ids are never empty); every function sees them, and its own
 * variable of the same key wins.
 */
export const PROJECT_SCOPE = '';

/** Appwrite's Variable model; a secret's value is never shown again once set. */
export function variableModel(row: VariableRow) {
  return {
    $id: row.id,
    $createdAt: row.createdAt,
    $updatedAt: row.updatedAt,
    key: row.key,
    value: row.secret ? '' : row.value,
    secret: row.secret,
    resourceType: row.functionId === PROJECT_SCOPE ? 'project' : 'function',
    resourceId: row.functionId,
  };
}

function conflict(err: unknown): never {
  if (uniqueViolationText(err)) throw new ApiError('variable_already_exists');
  throw err;
}

export async function createVariable(db: D1Database, functionId: string, input: { id: string; key: string; value: string; secret: boolean }) {
  const now = nowDate();
  try {
    const [row] = await drizzle(db)
      .insert(functionVariables)
      .values({ id: input.id, functionId, key: input.key, value: input.value, secret: input.secret, createdAt: now, updatedAt: now })
      .returning();
    return row;
  } catch (err) {
    return conflict(err);
  }
}

export async function getVariable(db: D1Database, functionId: string, id: string): Promise<VariableRow> {
  const row = (
    await drizzle(db)
      .select()
      .from(functionVariables)
      .where(and(eq(functionVariables.functionId, functionId), eq(functionVariables.id, id)))
      .limit(1)
  )[0];
  if (!row) throw new ApiError('variable_not_found');
  return row;
}

/** A secret stays secret (`variable_cannot_unset_secret`); an omitted value keeps the stored one. */
export async function updateVariable(
  db: D1Database,
  functionId: string,
  id: string,
  input: { key: string; value?: string; secret?: boolean },
): Promise<VariableRow> {
  const current = await getVariable(db, functionId, id);
  if (current.secret && input.secret === false) throw new ApiError('variable_cannot_unset_secret');
  try {
    const [row] = await drizzle(db)
      .update(functionVariables)
      .set({ key: input.key, value: input.value ?? current.value, secret: input.secret ?? current.secret, updatedAt: nowDate() })
      .where(eq(functionVariables.seq, current.seq))
      .returning();
    return row;
  } catch (err) {
    return conflict(err);
  }
}

export async function deleteVariable(db: D1Database, functionId: string, id: string) {
  const gone = await drizzle(db)
    .delete(functionVariables)
    .where(and(eq(functionVariables.functionId, functionId), eq(functionVariables.id, id)))
    .returning({ id: functionVariables.id });
  if (!gone[0]) throw new ApiError('variable_not_found');
}

const VARIABLE_LIST: SystemList = {
  noun: 'Variable',
  target: systemTarget('function_variables', 'seq', { key: ['key', 'text'], secret: ['secret', 'boolean'] }),
};

export async function listVariables(db: D1Database, functionId: string, input: SystemListInput) {
  const { keys, total } = await runSystemList(db, VARIABLE_LIST, { ...input, scope: [{ sql: 'function_id = ?', params: [functionId] }] });
  const rows = await loadInKeyOrder(keys, functionVariables.seq, (where) => drizzle(db).select().from(functionVariables).where(where), (r) => r.seq);
  return { total, variables: rows.map(variableModel) };
}

/** The query for a function's variables and the project's (for a caller's own batch); read with `variableEnv`. */
export function variablesQuery(db: D1Database, functionId: string) {
  return drizzle(db)
    .select({ key: functionVariables.key, value: functionVariables.value, functionId: functionVariables.functionId })
    .from(functionVariables)
    .where(inArray(functionVariables.functionId, [PROJECT_SCOPE, functionId]));
}

/** `key → value` for an isolate's env: the project's variables, then the function's own over them. */
export function variableEnv(rows: { key: string; value: string; functionId: string }[]): Record<string, string> {
  const project = rows.filter((r) => r.functionId === PROJECT_SCOPE);
  const own = rows.filter((r) => r.functionId !== PROJECT_SCOPE);
  return Object.fromEntries([...project, ...own].map((r) => [r.key, r.value]));
}

export async function variableValues(db: D1Database, functionId: string): Promise<Record<string, string>> {
  return variableEnv(await variablesQuery(db, functionId));
}
