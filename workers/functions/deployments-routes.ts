import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../env';
import { makeEvent } from '../events/event';
import { publishAfterCommit } from '../events/publish';
import { body, query } from '../http/body';
import { ApiError } from '../lib/errors';
import { listParams } from '../lib/validator';
import { requireScope } from '../middleware/principal';
import { buildDeployment } from './build';
import { deleteR2Prefix } from './cleanup';
import {
  activateDeployment, archiveKey, deleteDeploymentRows, deploymentModel, deploymentPrefix, getDeployment, listDeployments, transition,
  type DeploymentRow,
} from './deployments-store';
import { functionView, getFunction } from './store';
import { receiveUpload } from './upload';

/**
 * Deployments of `/v1/functions/{functionId}`: upload (multipart `code`, whole or chunked, with
 * `activate`), list, get, download, delete, activate and cancel. The build runs after the response
 * (`waitUntil`), moving the deployment from `waiting` through `processing` to `ready` or `failed`.
 */
type C = Context<AppEnv>;

const formText = (value: unknown) => (typeof value === 'string' ? value : undefined);

function emit(c: C, row: DeploymentRow, action: string) {
  publishAfterCommit(c, [makeEvent([`functions.${row.functionId}.deployments.${row.id}.${action}`], deploymentModel(row), [])]);
}

export const deploymentRoutes = new Hono<AppEnv>()
  .post('/:functionId/deployments', requireScope('functions.write'), async (c) => {
    const fn = await getFunction(c.env.DB, c.req.param('functionId'));
    const form = await c.req.parseBody();
    const code = form['code'] ?? form['0'];
    if (!(code instanceof File)) throw new ApiError('storage_file_empty', 'No file sent');
    const entrypoint = formText(form['entrypoint']) || fn.entrypoint;
    if (!entrypoint) throw new ApiError('function_entrypoint_missing');
    const activate = formText(form['activate']);
    const { row, complete } = await receiveUpload(c.env, {
      fn,
      file: code,
      contentRange: c.req.header('Content-Range'),
      uploadId: c.req.header('X-Appwrite-ID'),
      entrypoint,
      commands: formText(form['commands']) ?? fn.commands,
      activate: activate === 'true' || activate === '1',
      type: c.req.header('X-SDK-Language') === 'cli' ? 'cli' : 'manual',
    });
    if (complete) {
      emit(c, row, 'create');
      c.executionCtx.waitUntil(buildDeployment(c.env, fn.id, row.id).catch((err) => console.error('[functions] build failed', err)));
    }
    return c.json(deploymentModel(row), 202);
  })
  .get('/:functionId/deployments', requireScope('functions.read'), query(listParams), async (c) => {
    const fn = await getFunction(c.env.DB, c.req.param('functionId'));
    return c.json(await listDeployments(c.env.DB, fn.id, c.req.valid('query')));
  })
  .get('/:functionId/deployments/:deploymentId', requireScope('functions.read'), async (c) => {
    const fn = await getFunction(c.env.DB, c.req.param('functionId'));
    return c.json(deploymentModel(await getDeployment(c.env.DB, fn.id, c.req.param('deploymentId'))));
  })
  .get('/:functionId/deployments/:deploymentId/download', requireScope('functions.read'), async (c) => {
    const fn = await getFunction(c.env.DB, c.req.param('functionId'));
    const row = await getDeployment(c.env.DB, fn.id, c.req.param('deploymentId'));
    const object = row.uploadId === '' ? await c.env.FILES.get(archiveKey(fn.id, row.id)) : null;
    if (!object) throw new ApiError('deployment_not_found', 'The deployment has no complete archive.');
    return new Response(object.body, {
      headers: { 'Content-Type': 'application/gzip', 'Content-Length': String(object.size), 'Content-Disposition': `attachment; filename="${row.id}.tar.gz"` },
    });
  })
  .delete('/:functionId/deployments/:deploymentId', requireScope('functions.write'), async (c) => {
    const fn = await getFunction(c.env.DB, c.req.param('functionId'));
    const row = await getDeployment(c.env.DB, fn.id, c.req.param('deploymentId'));
    if (row.uploadId) await c.env.FILES.resumeMultipartUpload(archiveKey(fn.id, row.id), row.uploadId).abort().catch(() => undefined);
    await deleteR2Prefix(c.env.FILES, deploymentPrefix(fn.id, row.id));
    await deleteDeploymentRows(c.env.DB, row);
    emit(c, row, 'delete');
    return c.body(null, 204);
  })
  .patch('/:functionId/deployments/:deploymentId/status', requireScope('functions.write'), async (c) => {
    const fn = await getFunction(c.env.DB, c.req.param('functionId'));
    const row = await getDeployment(c.env.DB, fn.id, c.req.param('deploymentId'));
    const canceled = await transition(c.env.DB, row.id, ['waiting', 'processing'], { status: 'canceled', buildLogs: `${row.buildLogs}\nCanceled.`.trim() });
    if (!canceled) throw new ApiError('build_already_completed');
    return c.json(deploymentModel(canceled));
  })
  .patch('/:functionId/deployment', requireScope('functions.write'), body(z.object({ deploymentId: z.string().max(36) })), async (c) => {
    const fn = await getFunction(c.env.DB, c.req.param('functionId'));
    const row = await getDeployment(c.env.DB, fn.id, c.req.valid('json').deploymentId);
    await activateDeployment(c.env.DB, row);
    return c.json(await functionView(c.env.DB, await getFunction(c.env.DB, fn.id)));
  });
