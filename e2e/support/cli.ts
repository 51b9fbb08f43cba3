import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Driving the real appwrite-cli@12 binary against Ledge. Every request goes through a logging
 * proxy (how the calls `login`, `init project`, `pull` and `push` make were captured, and what the
 * tests assert on). The CLI keeps its prefs in `~/.appwrite` and its project in the working
 * directory's `appwrite.config.json`, so each workspace gets its own HOME and directory.
 */
const CLI = fileURLToPath(new URL('../../node_modules/appwrite-cli/index.js', import.meta.url));

export interface Call {
  method: string;
  path: string;
  project: string;
  mode: string;
  status: number;
}

export interface LoggingProxy {
  endpoint: string;
  calls: Call[];
  close(): Promise<void>;
}

const HOP = new Set(['host', 'content-length', 'connection', 'transfer-encoding']);

/** A loopback proxy in front of `target` (Ledge's origin) that records each request and its status. */
export async function startLoggingProxy(target: string): Promise<LoggingProxy> {
  const calls: Call[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k) && typeof v === 'string') headers.set(k, v);
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const answer = await fetch(new URL(req.url ?? '/', target), { method: req.method, headers, body, redirect: 'manual' });
    const url = new URL(req.url ?? '/', target);
    calls.push({
      method: req.method ?? '',
      path: url.pathname,
      project: String(req.headers['x-appwrite-project'] ?? ''),
      mode: String(req.headers['x-appwrite-mode'] ?? ''),
      status: answer.status,
    });
    const out: Record<string, string | string[]> = {};
    answer.headers.forEach((v, k) => {
      if (!HOP.has(k) && k !== 'content-encoding' && k !== 'set-cookie') out[k] = v;
    });
    const cookies = answer.headers.getSetCookie();
    if (cookies.length) out['set-cookie'] = cookies;
    res.writeHead(answer.status, out);
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { endpoint: `http://127.0.0.1:${port}/v1`, calls, close: () => new Promise((r) => server.close(() => r())) };
}

export interface Workspace {
  home: string;
  dir: string;
  config(): Record<string, unknown>;
  writeConfig(value: unknown): void;
}

export function workspace(): Workspace {
  const home = mkdtempSync(join(tmpdir(), 'ledge-cli-home-'));
  const dir = mkdtempSync(join(tmpdir(), 'ledge-cli-project-'));
  const path = join(dir, 'appwrite.config.json');
  return {
    home,
    dir,
    config: () => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>,
    writeConfig: (value) => writeFileSync(path, JSON.stringify(value, null, 4)),
  };
}

/** A prompt the CLI will show and the keys that answer it (`\r` is Enter, `\x1b[B` arrow down). */
export type Answer = [RegExp, string];

/**
 * Runs `appwrite <args>` in the workspace. Prompts are answered in order as their text appears
 * (inquirer reads keys, so each answer is sent only once its prompt is drawn).
 */
export function runCli(ws: Workspace, args: string[], answers: Answer[] = [], timeoutMs = 90_000): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ws.dir,
      env: { PATH: process.env.PATH ?? '', HOME: ws.home, FORCE_COLOR: '0', NO_COLOR: '1', CI: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let pending = '';
    let next = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`appwrite ${args.join(' ')} timed out:\n${output}`));
    }, timeoutMs);
    const read = (data: Buffer) => {
      const text = data.toString();
      output += text;
      pending += text;
      while (next < answers.length && answers[next][0].test(pending)) {
        const keys = answers[next][1];
        next += 1;
        pending = '';
        setTimeout(() => child.stdin.write(keys), 200);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code: code ?? 1, output });
    });
  });
}
