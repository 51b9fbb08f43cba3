import { and, eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { deployments, functions } from '../db/schema';
import { uniqueViolationText } from '../lib/d1';
import { ApiError } from '../lib/errors';
import { loadInKeyOrder, runSystemList, systemTarget, type SystemList, type SystemListInput } from '../lib/system-list';
import { nowDate } from '../lib/time';
import { codePrefix } from './cleanup';

export type DeploymentRow = typeof deployments.$inferSelect;

/** Where a deployment's files live in R2: the uploaded archive and the built module map. */
export const deploymentPrefix = (functionId: string, deploymentId: string) => `${codePrefix(functionId)}${deploymentId}/`;
export const archiveKey = (functionId: string, deploymentId: string) => `${deploymentPrefix(functionId, deploymentId)}code.tar.gz`;
export const modulesKey = (functionId: string, deploymentId: string) => `${deploymentPrefix(functionId, deploymentId)}modules.json`;

/** Appwrite's Deployment model; the VCS fields stay empty (Ledge deploys uploaded archives only). */
export function deploymentModel(row: DeploymentRow) {
  return {
    $id: row.id,
    $createdAt: row.createdAt,
    $updatedAt: row.updatedAt,
    type: row.type,
    resourceId: row.functionId,
    resourceType: 'functions',
    entrypoint: row.entrypoint,
    sourceSize: row.sourceSize,
    buildSize: row.buildSize,
    totalSize: row.sourceSize + row.buildSize,
    buildId: '',
    activate: row.activate,
    screenshotLight: '',
    screenshotDark: '',
    status: row.status,
    buildLogs: row.buildLogs,
    buildDuration: row.buildDuration,
    providerRepositoryName: '',
    providerRepositoryOwner: '',
    providerRepositoryUrl: '',
    providerCommitHash: '',
    providerCommitAuthorUrl: '',
    providerCommitAuthor: '',
    providerCommitMessage: '',
    providerCommitUrl: '',
    providerBranch: '',
    providerBranchUrl: '',
  };
}

export interface NewDeployment {
  id: string;
  functionId: string;
  type: string;
  entrypoint: string;
  commands: string;
  activate: boolean;
  sourceSize: number;
  chunksTotal: number;
  chunksUploaded: number;
  uploadId: string;
}

/** Inserts the deployment; null when one with that id exists already (a chunk sent again). */
export async function insertDeployment(db: D1Database, input: NewDeployment): Promise<DeploymentRow | null> {
  const now = nowDate();
  try {
    const [row] = await drizzle(db)
      .insert(deployments)
      .values({ ...input, status: 'waiting', createdAt: now, updatedAt: now })
      .returning();
    return row;
  } catch (err) {
    if (uniqueViolationText(err)) return null;
    throw err;
  }
}

export async function findDeployment(db: D1Database, functionId: string, id: string): Promise<DeploymentRow | null> {
  return (
    (await drizzle(db).select().from(deployments).where(and(eq(deployments.id, id), eq(deployments.functionId, functionId))).limit(1))[0] ?? null
  );
}

export async function getDeployment(db: D1Database, functionId: string, id: string): Promise<DeploymentRow> {
  const row = await findDeployment(db, functionId, id);
  if (!row) throw new ApiError('deployment_not_found');
  return row;
}

const DEPLOYMENT_LIST: SystemList = {
  noun: 'Deployment',
  search: 'id',
  target: systemTarget('deployments', 'seq', {
    buildSize: ['build_size', 'integer'],
    sourceSize: ['source_size', 'integer'],
    buildDuration: ['build_duration', 'integer'],
    status: ['status', 'text'],
    activate: ['activate', 'boolean'],
    type: ['type', 'text'],
    entrypoint: ['entrypoint', 'text'],
  }),
};

export async function listDeployments(db: D1Database, functionId: string, input: SystemListInput) {
  const { keys, total } = await runSystemList(db, DEPLOYMENT_LIST, { ...input, scope: [{ sql: 'function_id = ?', params: [functionId] }] });
  const rows = await loadInKeyOrder(keys, deployments.seq, (where) => drizzle(db).select().from(deployments).where(where), (r) => r.seq);
  return { total, deployments: rows.map(deploymentModel) };
}

/** Moves a deployment from `from` to `to` (with `set`), only if it is still in `from`. */
export async function transition(db: D1Database, id: string, from: string[], set: Partial<DeploymentRow> & { status: string }): Promise<DeploymentRow | null> {
  const rows = await drizzle(db)
    .update(deployments)
    .set({ ...set, updatedAt: nowDate() })
    .where(and(eq(deployments.id, id), sql`${deployments.status} IN (SELECT value FROM json_each(${JSON.stringify(from)}))`))
    .returning();
  return rows[0] ?? null;
}

/** Makes a ready deployment the function's active one. */
export async function activateDeployment(db: D1Database, row: DeploymentRow) {
  if (row.status !== 'ready') throw new ApiError('build_not_ready');
  await drizzle(db)
    .update(functions)
    .set({ deploymentId: row.id, deploymentCreatedAt: row.createdAt, updatedAt: nowDate() })
    .where(eq(functions.id, row.functionId));
}

export async function deleteDeploymentRows(db: D1Database, row: DeploymentRow) {
  await db.batch([
    db.prepare("UPDATE functions SET deployment_id = '', deployment_created_at = '' WHERE id = ? AND deployment_id = ?").bind(row.functionId, row.id),
    db.prepare('DELETE FROM deployment_parts WHERE deployment_id = ?').bind(row.id),
    db.prepare('DELETE FROM deployments WHERE id = ?').bind(row.id),
  ]);
}
