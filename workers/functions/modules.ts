import { init, parse } from 'es-module-lexer/js';
import type { ArchiveFile } from './archive';
import { normalisePath } from './archive';

/**
 * A deployment's archive → the isolate's module map. `.js`/`.mjs`/`.cjs`/`.json` files become
 * modules under their archive paths, so relative imports resolve as they do on disk (with explicit
 * file names, as Node's ESM requires). Nothing is installed and `node_modules/` is never used: a
 * bare import must be `node-appwrite` (Ledge provides it), a Node built-in (`node:*`), or fail the
 * build with the import named. ESM imports are read with es-module-lexer from the entrypoint
 * outwards; CommonJS `require`s are checked by the trial load (isolate.ts), since only running
 * the code tells what it requires.
 */
export type ModuleSpec = { js: string } | { cjs: string } | { json: unknown };

export interface BuiltModules {
  modules: Record<string, ModuleSpec>;
  entrypoint: string;
  importsSdk: boolean;
  /** What the build saw and did, for the deployment's buildLogs. */
  logs: string[];
}

export class BuildError extends Error {
  constructor(readonly logs: string[]) {
    super(logs[logs.length - 1] ?? 'Build failed');
  }
}

export const SDK_MODULES = ['node-appwrite', 'node-appwrite/file'];
/** Total source size an isolate is given (Workers' own script limit is 10 MB compressed). */
export const MAX_MODULE_BYTES = 16 * 1024 * 1024;

// Node's built-ins as nodejs_compat names them; whether workerd implements one is for the trial load.
const BUILTINS = new Set(
  ('assert assert/strict async_hooks buffer child_process cluster console constants crypto dgram diagnostics_channel dns dns/promises ' +
    'domain events fs fs/promises http http2 https inspector module net os path path/posix path/win32 perf_hooks process punycode ' +
    'querystring readline readline/promises repl stream stream/promises stream/web string_decoder sys timers timers/promises tls ' +
    'trace_events tty url util util/types v8 vm wasi worker_threads zlib').split(' '),
);

const decoder = new TextDecoder();
const kindOf = (path: string) => /\.(mjs|cjs|js|json)$/.exec(path)?.[1] ?? null;
const dirOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');

function packageType(path: string, packages: Map<string, string>): string | undefined {
  for (let dir = dirOf(path); ; dir = dirOf(dir)) {
    const type = packages.get(dir ? `${dir}/package.json` : 'package.json');
    if (type !== undefined) return type;
    if (!dir) return undefined;
  }
}

export function resolveRelative(from: string, specifier: string): string | null {
  const base = specifier.startsWith('/') ? '' : dirOf(from);
  return normalisePath(base ? `${base}/${specifier}` : specifier);
}

export async function buildModules(files: ArchiveFile[], entrypointRaw: string): Promise<BuiltModules> {
  await init;
  const logs: string[] = [];
  const fail = (line: string): never => {
    logs.push(line);
    throw new BuildError(logs);
  };
  const entrypoint = normalisePath(entrypointRaw) ?? fail(`Invalid entrypoint '${entrypointRaw}'.`);
  const sources = new Map<string, string>();
  const packages = new Map<string, string>();
  let ignoredDeps = 0;
  let ignoredOther = 0;
  let bytes = 0;
  for (const file of files) {
    if (file.path.split('/').includes('node_modules')) {
      ignoredDeps++;
      continue;
    }
    if (!kindOf(file.path)) {
      ignoredOther++;
      continue;
    }
    bytes += file.data.byteLength;
    const text = decoder.decode(file.data);
    sources.set(file.path, text);
    if (file.path === 'package.json' || file.path.endsWith('/package.json')) {
      try {
        packages.set(file.path, String((JSON.parse(text) as { type?: unknown }).type ?? 'commonjs'));
      } catch {
        // An unreadable package.json only loses its "type"; the JSON module check below reports it if imported.
      }
    }
  }
  logs.push(`Archive: ${files.length} files; ${sources.size} modules (.js, .mjs, .cjs, .json), ${bytes} bytes.`);
  if (ignoredDeps) logs.push(`Ignored ${ignoredDeps} files under node_modules/: Ledge installs nothing; bundle dependencies into your code.`);
  if (ignoredOther) logs.push(`Ignored ${ignoredOther} other files (not .js, .mjs, .cjs or .json).`);
  if (bytes > MAX_MODULE_BYTES) fail(`The modules total ${bytes} bytes, more than the ${MAX_MODULE_BYTES} an isolate is given.`);
  if (!sources.has(entrypoint)) fail(`Entrypoint '${entrypoint}' is not in the archive (or is not a .js, .mjs or .cjs file).`);

  const modules: Record<string, ModuleSpec> = {};
  const esm = new Map<string, string>();
  for (const [path, text] of sources) {
    const kind = kindOf(path);
    if (kind === 'json') {
      try {
        modules[path] = { json: JSON.parse(text) };
      } catch {
        if (!path.endsWith('package.json')) fail(`${path}: invalid JSON.`);
      }
      continue;
    }
    let module = kind === 'mjs';
    if (kind === 'js') {
      const type = packageType(path, packages);
      if (type === 'module') module = true;
      else if (type === undefined) {
        try {
          module = parse(text, path)[3];
        } catch {
          module = false;
        }
      }
    }
    if (module) esm.set(path, text);
    modules[path] = module ? { js: text } : { cjs: text };
  }

  const problems: string[] = [];
  let importsSdk = false;
  const sdkDirs = new Set<string>();
  const seen = new Set<string>();
  const queue = [entrypoint];
  while (queue.length) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const text = esm.get(path);
    if (text === undefined) continue;
    let imports;
    try {
      [imports] = parse(text, path);
    } catch (err) {
      problems.push(`${path}: syntax error${(err as { idx?: number }).idx !== undefined ? ` at offset ${(err as { idx: number }).idx}` : ''}.`);
      continue;
    }
    for (const imp of imports) {
      const spec = imp.specifier;
      if (spec === undefined || spec === null) continue;
      if (spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('/')) {
        const target = resolveRelative(path, spec);
        if (!target || !(target in modules)) problems.push(`${path}: cannot resolve '${spec}' (no such file in the archive; imports name the file, e.g. './util.js').`);
        else queue.push(target);
      } else if (SDK_MODULES.includes(spec)) {
        importsSdk = true;
        sdkDirs.add(dirOf(path));
      } else if (!(spec.startsWith('node:') || BUILTINS.has(spec))) {
        problems.push(`${path}: import '${spec}' is not bundled. Ledge installs no packages and ignores node_modules/; bundle it into your code (e.g. with esbuild).`);
      }
    }
  }
  // CommonJS code may require the SDK too; give it to any deployment whose sources name it.
  for (const [path, text] of sources) {
    if (!esm.has(path) && /\brequire\s*\(\s*['"]node-appwrite(\/file)?['"]\s*\)/.test(text)) {
      importsSdk = true;
      sdkDirs.add(dirOf(path));
    }
  }
  // The runtime resolves a bare specifier against the importing module's folder, so a module in
  // src/ asking for 'node-appwrite' gets 'src/node-appwrite': that name re-exports the one copy at the root.
  for (const dir of sdkDirs) {
    if (!dir) continue;
    for (const name of SDK_MODULES) {
      if (!(`${dir}/${name}` in modules)) modules[`${dir}/${name}`] = { js: `export * from '/${name}';` };
    }
  }
  if (problems.length) {
    logs.push(...problems);
    fail(`Build failed: ${problems.length} unresolved import${problems.length > 1 ? 's' : ''}.`);
  }
  logs.push(`Entrypoint ${entrypoint}; ${seen.size} ES module${seen.size === 1 ? '' : 's'} reachable${importsSdk ? '; uses node-appwrite (provided by Ledge)' : ''}.`);
  return { modules, entrypoint, importsSdk, logs };
}
