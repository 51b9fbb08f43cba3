import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type AddressInfo } from 'node:net';

/**
 * A command run in its own process group, so that stopping it also stops everything it started
 * (npm → node → wrangler → workerd), and nothing outlives the test.
 */
export class Command {
  private text = '';
  private readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
    this.child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.child.stdout, this.child.stderr]) stream?.on('data', (chunk: Buffer) => (this.text += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Everything printed so far, stdout and stderr, without colours. */
  output(): string {
    // eslint-disable-next-line no-control-regex
    return this.text.replace(/\x1b\[[0-9;]*m/g, '');
  }

  /** The first match of `pattern` in the output; fails if the command exits or `ms` pass first. */
  async waitFor(pattern: RegExp, ms: number): Promise<RegExpExecArray> {
    let done = false;
    const exited = this.exited.then((code) => {
      if (!done) throw new Error(`exited (${code}) before printing ${pattern}:\n${this.output()}`);
    });
    exited.catch(() => {}); // observed by the race below; never an unhandled rejection
    const deadline = Date.now() + ms;
    try {
      for (;;) {
        const match = pattern.exec(this.output());
        if (match) return match;
        if (Date.now() > deadline) throw new Error(`no ${pattern} within ${ms} ms:\n${this.output()}`);
        await Promise.race([exited, new Promise((r) => setTimeout(r, 200))]);
      }
    } finally {
      done = true;
    }
  }

  /** SIGTERM to the whole group, SIGKILL if it is still there after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    const group = -(this.child.pid ?? 0);
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    signalGroup(group, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(group, 'SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    // Children (wrangler, workerd) may outlive the group leader: wait until the group is empty.
    signalGroup(group, 'SIGKILL');
    for (const deadline = Date.now() + graceMs; groupAlive(group) && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function signalGroup(group: number, signal: NodeJS.Signals) {
  try {
    process.kill(group, signal);
  } catch {
    // the group is already gone
  }
}

function groupAlive(group: number): boolean {
  try {
    process.kill(group, 0);
    return true;
  } catch {
    return false;
  }
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}
