import type { ModuleSpec } from './modules';

/**
 * node-appwrite for function isolates. Ledge bundles it for the Workers runtime at build time
 * (scripts/build-assets.mjs: esbuild, with `undici` replaced by the runtime's own fetch,
 * FormData and File) into the static assets, so it stays out of the Worker's bundle and is read
 * only when a deployment imports it, once per Worker isolate.
 */
export const SDK_ASSETS = { 'node-appwrite': 'functions/node-appwrite.mjs', 'node-appwrite/file': 'functions/node-appwrite-file.mjs' } as const;

let cached: Promise<Record<string, ModuleSpec>> | null = null;

async function readAsset(assets: Fetcher, path: string): Promise<string> {
  const res = await assets.fetch(`https://assets.invalid/${path}`);
  if (!res.ok) throw new Error(`node-appwrite for functions is missing from the static assets (${path}: ${res.status}); run npm run build:assets.`);
  return res.text();
}

export function sdkModules(env: Env): Promise<Record<string, ModuleSpec>> {
  if (!cached) {
    const assets = env.ASSETS;
    cached = (async () => {
      if (!assets) throw new Error('node-appwrite for functions needs the ASSETS binding (the assets Worker, wrangler.assets.toml).');
      const entries = await Promise.all(Object.entries(SDK_ASSETS).map(async ([name, path]) => [name, { js: await readAsset(assets, path) }] as const));
      return Object.fromEntries(entries);
    })();
    cached.catch(() => {
      cached = null;
    });
  }
  return cached;
}
