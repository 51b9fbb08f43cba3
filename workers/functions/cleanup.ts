/**
 * Removing a function removes everything under it: its archives and built module maps in R2
 * (under `functions/<id>/`), then, in one D1 batch, its deployments, variables, executions and
 * cron slots. R2 goes first: a failure there leaves the function in place to delete again.
 */
export const codePrefix = (functionId: string) => `functions/${functionId}/`;

export async function deleteR2Prefix(bucket: R2Bucket, prefix: string): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor });
    if (page.objects.length) await bucket.delete(page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
}

export async function deleteFunctionData(env: Env, functionId: string): Promise<void> {
  await deleteR2Prefix(env.FILES, codePrefix(functionId));
  const db = env.DB;
  await db.batch([
    db.prepare('DELETE FROM deployment_parts WHERE deployment_id IN (SELECT id FROM deployments WHERE function_id = ?)').bind(functionId),
    db.prepare('DELETE FROM deployments WHERE function_id = ?').bind(functionId),
    db.prepare('DELETE FROM function_variables WHERE function_id = ?').bind(functionId),
    db.prepare('DELETE FROM executions WHERE function_id = ?').bind(functionId),
    db.prepare('DELETE FROM function_schedule_runs WHERE function_id = ?').bind(functionId),
    db.prepare('DELETE FROM functions WHERE id = ?').bind(functionId),
  ]);
}
