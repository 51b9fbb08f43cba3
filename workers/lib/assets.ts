/**
 * Files from the assets Worker (wrangler.assets.toml, bound as ASSETS; built by scripts/build-assets.mjs):
 * avatar icon sets, the initials font, locale tables. They never change within a deployment, so
 * each isolate keeps what it has found. Only hits are kept, so the cache is bounded by the asset
 * set itself (about 4 MB), whatever paths callers ask for.
 */

/** The asset binding is addressed by path; the host is ignored. */
const ORIGIN = 'https://assets.invalid';

async function fetchAsset(assets: Fetcher, path: string): Promise<Response | null> {
  const res = await assets.fetch(`${ORIGIN}/${path.replace(/^\/+/, '')}`);
  if (res.status === 404) {
    await res.body?.cancel();
    return null;
  }
  if (!res.ok) throw new Error(`asset ${path}: ${res.status}`);
  return res;
}

function memo<T>(cache: Map<string, Promise<T | null>>, path: string, load: () => Promise<T | null>): Promise<T | null> {
  const hit = cache.get(path);
  if (hit) return hit;
  const entry = load();
  cache.set(path, entry);
  // Misses and failures are not kept: the next request asks again.
  entry.then((value) => value === null && cache.delete(path), () => cache.delete(path));
  return entry;
}

const bytesCache = new Map<string, Promise<Uint8Array | null>>();
const jsonCache = new Map<string, Promise<unknown>>();

/** The file's bytes, or null when there is no such asset. */
export function assetBytes(assets: Fetcher, path: string): Promise<Uint8Array | null> {
  return memo(bytesCache, path, async () => {
    const res = await fetchAsset(assets, path);
    return res && new Uint8Array(await res.arrayBuffer());
  });
}

/** A JSON asset, parsed once per isolate; null when there is no such asset. */
export function assetJson<T>(assets: Fetcher, path: string): Promise<T | null> {
  return memo(jsonCache, path, async () => {
    const res = await fetchAsset(assets, path);
    return res && res.json();
  }) as Promise<T | null>;
}
