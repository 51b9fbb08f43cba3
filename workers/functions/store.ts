import { eq, inArray, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { deployments, functions, functionVariables, type FunctionSettings } from '../db/schema';
import { uniqueViolationText } from '../lib/d1';
import { ApiError } from '../lib/errors';
import { loadInKeyOrder, runSystemList, systemTarget, type SystemList, type SystemListInput } from '../lib/system-list';
import { nowDate } from '../lib/time';
import { SPECIFICATION, assertRuntime } from './runtimes';
import type { FunctionFields } from './rules';
import { variableModel, type VariableRow } from './variables';

export type FunctionRow = typeof functions.$inferSelect;

interface LatestDeployment {
  id: string;
  createdAt: string;
  status: string;
}

/** Appwrite's Function model (`vars` carry no secret values). */
export function functionModel(row: FunctionRow, vars: VariableRow[], latest: LatestDeployment | null) {
  const s = row.settings;
  return {
    $id: row.id,
    $createdAt: row.createdAt,
    $updatedAt: row.updatedAt,
    execute: row.execute,
    name: row.name,
    enabled: row.enabled,
    live: true,
    logging: row.logging,
    runtime: row.runtime,
    deploymentRetention: s.deploymentRetention ?? 0,
    deploymentId: row.deploymentId,
    deploymentCreatedAt: row.deploymentCreatedAt,
    latestDeploymentId: latest?.id ?? '',
    latestDeploymentCreatedAt: latest?.createdAt ?? '',
    latestDeploymentStatus: latest?.status ?? '',
    scopes: row.scopes,
    vars: vars.map(variableModel),
    events: row.events,
    schedule: row.schedule,
    timeout: row.timeout,
    entrypoint: row.entrypoint,
    commands: row.commands,
    version: 'v5',
    installationId: s.installationId ?? '',
    providerRepositoryId: s.providerRepositoryId ?? '',
    providerBranch: s.providerBranch ?? '',
    providerRootDirectory: s.providerRootDirectory ?? '',
    providerSilentMode: s.providerSilentMode ?? false,
    providerBranches: s.providerBranches ?? [],
    providerPaths: s.providerPaths ?? [],
    buildSpecification: s.buildSpecification ?? SPECIFICATION.slug,
    runtimeSpecification: s.runtimeSpecification ?? SPECIFICATION.slug,
  };
}

function settingsOf(input: FunctionFields): FunctionSettings {
  return {
    installationId: input.installationId,
    providerRepositoryId: input.providerRepositoryId,
    providerBranch: input.providerBranch,
    providerSilentMode: input.providerSilentMode,
    providerRootDirectory: input.providerRootDirectory,
    providerBranches: input.providerBranches,
    providerPaths: input.providerPaths,
    buildSpecification: input.buildSpecification,
    runtimeSpecification: input.runtimeSpecification,
    deploymentRetention: input.deploymentRetention,
  };
}

/** The function's model with its variables and latest deployment (one batch). */
export async function loadFunctionModels(db: D1Database, rows: FunctionRow[]) {
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const d = drizzle(db);
  const [vars, latest] = await d.batch([
    d.select().from(functionVariables).where(inArray(functionVariables.functionId, ids)).orderBy(functionVariables.seq),
    d
      .select({ functionId: deployments.functionId, id: deployments.id, createdAt: deployments.createdAt, status: deployments.status })
      .from(deployments)
      .where(sql`${deployments.seq} IN (SELECT MAX(seq) FROM deployments WHERE function_id IN (SELECT value FROM json_each(${JSON.stringify(ids)})) GROUP BY function_id)`),
  ]);
  return rows.map((row) =>
    functionModel(
      row,
      vars.filter((v) => v.functionId === row.id),
      latest.find((l) => l.functionId === row.id) ?? null,
    ),
  );
}

export async function functionView(db: D1Database, row: FunctionRow) {
  return (await loadFunctionModels(db, [row]))[0];
}

export async function findFunction(db: D1Database, id: string): Promise<FunctionRow | null> {
  return (await drizzle(db).select().from(functions).where(eq(functions.id, id)).limit(1))[0] ?? null;
}

export async function getFunction(db: D1Database, id: string): Promise<FunctionRow> {
  const row = await findFunction(db, id);
  if (!row) throw new ApiError('function_not_found');
  return row;
}

export async function createFunction(db: D1Database, id: string, input: FunctionFields): Promise<FunctionRow> {
  assertRuntime(input.runtime);
  const now = nowDate();
  const row: FunctionRow = {
    seq: 0,
    id,
    name: input.name,
    runtime: input.runtime,
    execute: [...new Set(input.execute ?? [])],
    events: [...new Set(input.events ?? [])],
    schedule: input.schedule ?? '',
    scheduleSince: now,
    timeout: input.timeout ?? 15,
    enabled: input.enabled ?? true,
    logging: input.logging ?? true,
    entrypoint: input.entrypoint ?? '',
    commands: input.commands ?? '',
    scopes: [...new Set(input.scopes ?? [])],
    settings: settingsOf(input),
    deploymentId: '',
    deploymentCreatedAt: '',
    search: [id, input.name, input.runtime].join(' '),
    createdAt: now,
    updatedAt: now,
  };
  const { seq: _seq, ...values } = row;
  try {
    const [inserted] = await drizzle(db).insert(functions).values(values).returning();
    return inserted;
  } catch (err) {
    if (uniqueViolationText(err)) throw new ApiError('function_already_exists');
    throw err;
  }
}

/** updateFunction: Appwrite's PUT replaces every optional field with its default when omitted. */
export async function updateFunction(db: D1Database, id: string, input: FunctionFields): Promise<FunctionRow> {
  assertRuntime(input.runtime);
  const current = await getFunction(db, id);
  const schedule = input.schedule ?? '';
  const now = nowDate();
  const [row] = await drizzle(db)
    .update(functions)
    .set({
      name: input.name,
      runtime: input.runtime,
      execute: [...new Set(input.execute ?? [])],
      events: [...new Set(input.events ?? [])],
      schedule,
      scheduleSince: schedule === current.schedule ? current.scheduleSince : now,
      timeout: input.timeout ?? 15,
      enabled: input.enabled ?? true,
      logging: input.logging ?? true,
      entrypoint: input.entrypoint ?? '',
      commands: input.commands ?? '',
      scopes: [...new Set(input.scopes ?? [])],
      settings: settingsOf(input),
      search: [id, input.name, input.runtime].join(' '),
      updatedAt: now,
    })
    .where(eq(functions.id, id))
    .returning();
  if (!row) throw new ApiError('function_not_found');
  return row;
}

const FUNCTION_LIST: SystemList = {
  noun: 'Function',
  search: 'search',
  target: systemTarget('functions', 'seq', {
    name: ['name', 'text'],
    enabled: ['enabled', 'boolean'],
    runtime: ['runtime', 'text'],
    deploymentId: ['deployment_id', 'text'],
    schedule: ['schedule', 'text'],
    timeout: ['timeout', 'integer'],
    entrypoint: ['entrypoint', 'text'],
    commands: ['commands', 'text'],
  }),
};

export async function listFunctions(db: D1Database, input: SystemListInput) {
  const { keys, total } = await runSystemList(db, FUNCTION_LIST, input);
  const rows = await loadInKeyOrder(keys, functions.seq, (where) => drizzle(db).select().from(functions).where(where), (r) => r.seq);
  return { total, functions: await loadFunctionModels(db, rows) };
}
