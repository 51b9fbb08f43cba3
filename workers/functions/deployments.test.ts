import { describe, expect, it } from 'vitest';
import { asRoot, errorOf, okJson } from '../../test/helpers';
import { makeFunction, multipart, noise, tarGz, uploadCode, waitForBuild } from './testing/deploy';

const HELLO = `import { greet } from './lib/greet.js';\nimport data from './data.json';\nexport default async ({ res }) => res.text(greet(data.name));\n`;

describe('deployments', () => {
  it('uploads a tar.gz, builds it into a module map with relative imports, activates it and downloads it back', async () => {
    const fn = await makeFunction({ entrypoint: 'index.js' });
    const files = { 'index.js': HELLO, 'lib/greet.js': 'export const greet = (n) => `hello ${n}`;', 'data.json': '{"name":"ledge"}', 'README.md': '# hi' };
    const uploaded = await uploadCode(fn.$id, files);
    expect(uploaded).toMatchObject({ status: 'waiting', resourceId: fn.$id, resourceType: 'functions', entrypoint: 'index.js', activate: true, type: 'manual' });
    const built = await waitForBuild(fn.$id, uploaded.$id);
    expect(built.status, built.buildLogs).toBe('ready');
    expect(built.buildLogs).toContain('Ignored 1 other files');
    expect((await okJson<{ deploymentId: string; latestDeploymentStatus: string }>(await asRoot(`/v1/functions/${fn.$id}`)))).toMatchObject({
      deploymentId: uploaded.$id, latestDeploymentStatus: 'ready',
    });
    const list = await okJson<{ total: number; deployments: { $id: string }[] }>(await asRoot(`/v1/functions/${fn.$id}/deployments`));
    expect(list.deployments.map((d) => d.$id)).toEqual([uploaded.$id]);
    const download = await asRoot(`/v1/functions/${fn.$id}/deployments/${uploaded.$id}/download`);
    expect(download.headers.get('content-type')).toBe('application/gzip');
    expect(new Uint8Array(await download.arrayBuffer()).byteLength).toBe(uploaded.sourceSize);

    expect(await errorOf(await asRoot(`/v1/functions/${fn.$id}/deployments/${uploaded.$id}/status`, { method: 'PATCH' }))).toMatchObject({ type: 'build_already_completed' });
    expect((await asRoot(`/v1/functions/${fn.$id}/deployments/${uploaded.$id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await okJson<{ deploymentId: string }>(await asRoot(`/v1/functions/${fn.$id}`))).deploymentId).toBe('');
  });

  it('fails a deployment whose import is not bundled, naming the import, even with node_modules in the archive', async () => {
    const fn = await makeFunction({ entrypoint: 'src/main.js' });
    const files = {
      'package.json': '{"type":"module"}',
      'src/main.js': "import _ from 'lodash';\nimport { Client } from 'node-appwrite';\nimport { x } from './missing.js';\nexport default async ({ res }) => res.text(_.upperFirst('x'));\n",
      'node_modules/lodash/package.json': '{"name":"lodash","main":"lodash.js"}',
      'node_modules/lodash/lodash.js': 'module.exports = {};',
    };
    const built = await waitForBuild(fn.$id, (await uploadCode(fn.$id, files, { entrypoint: 'src/main.js' })).$id);
    expect(built.status).toBe('failed');
    expect(built.buildLogs).toContain("import 'lodash' is not bundled");
    expect(built.buildLogs).toContain("cannot resolve './missing.js'");
    expect(built.buildLogs).toContain('Ignored 2 files under node_modules/');
    expect(built.buildLogs).not.toContain("'node-appwrite' is not bundled");
    expect((await okJson<{ deploymentId: string }>(await asRoot(`/v1/functions/${fn.$id}`))).deploymentId).toBe('');
  });

  it('fails a deployment that does not load or exports no function; accepts CommonJS', async () => {
    const fn = await makeFunction({ entrypoint: 'index.js' });
    const noExport = await waitForBuild(fn.$id, (await uploadCode(fn.$id, { 'index.js': 'export const x = 1;' })).$id);
    expect(noExport.status).toBe('failed');
    expect(noExport.buildLogs).toContain('exports no function');
    const broken = await waitForBuild(fn.$id, (await uploadCode(fn.$id, { 'index.js': 'export default async ({ res }) => { return res.text("x" };' })).$id);
    expect(broken.status).toBe('failed');
    const requires = await waitForBuild(fn.$id, (await uploadCode(fn.$id, { 'index.cjs': "const x = require('left-pad');\nmodule.exports = async ({ res }) => res.text(x);" }, { entrypoint: 'index.cjs' })).$id);
    expect(requires.status).toBe('failed');
    expect(requires.buildLogs).toContain('left-pad');
    const cjs = await waitForBuild(
      fn.$id,
      (await uploadCode(fn.$id, { 'index.cjs': "const { twice } = require('./util.cjs');\nmodule.exports = async ({ res }) => res.text(twice('a'));", 'util.cjs': 'exports.twice = (s) => s + s;' }, { entrypoint: 'index.cjs' })).$id,
    );
    expect(cjs.status, cjs.buildLogs).toBe('ready');
  });

  it('takes a chunked upload (Content-Range, X-Appwrite-ID) and refuses bad input', async () => {
    const fn = await makeFunction({ entrypoint: 'index.js' });
        const archive = await tarGz({ 'index.js': 'export default async ({ res }) => res.text("big");', 'noise.bin': noise(5.2 * 1024 * 1024) });
    expect(archive.byteLength).toBeGreaterThan(5 * 1024 * 1024);
    const chunk = 5 * 1024 * 1024;
    const send = async (start: number, end: number, id?: string) => {
      const form = new FormData();
      form.append('activate', 'true');
      form.append('code', new File([archive.slice(start, end)], 'code.tar.gz'));
      const headers: Record<string, string> = { 'Content-Range': `bytes ${start}-${end - 1}/${archive.byteLength}` };
      if (id) headers['X-Appwrite-ID'] = id;
      return asRoot(`/v1/functions/${fn.$id}/deployments`, await multipart(form, headers));
    };
    const first = await okJson<{ $id: string }>(await send(0, chunk), 202);
    await okJson(await send(chunk, archive.byteLength, first.$id), 202);
    const built = await waitForBuild(fn.$id, first.$id);
    expect(built.status, built.buildLogs).toBe('ready');
    const download = await asRoot(`/v1/functions/${fn.$id}/deployments/${first.$id}/download`);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(archive);

    expect(await errorOf(await send(chunk, archive.byteLength, 'nosuchupload'))).toMatchObject({ status: 404, type: 'deployment_not_found' });
    const bad = new FormData();
    bad.append('code', new File(['x'], 'code.zip'));
    expect(await errorOf(await asRoot(`/v1/functions/${fn.$id}/deployments`, await multipart(bad)))).toMatchObject({ type: 'storage_file_type_unsupported' });
    const none = new FormData();
    none.append('activate', 'true');
    expect(await errorOf(await asRoot(`/v1/functions/${fn.$id}/deployments`, await multipart(none)))).toMatchObject({ type: 'storage_file_empty' });
  });
});
