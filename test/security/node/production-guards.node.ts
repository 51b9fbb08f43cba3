/**
 * Production guards that need the file system (Node side, run with the e2e tests): the deployable
 * bundle fits the free plan's 3 MiB gzip, Ledge writes LIKE/GLOB in one module only (which keeps
 * patterns within D1's 50 bytes), and the unit tests' no-network guard answers and records.
 * The PBKDF2 guard runs inside workerd: test/security/production-limits.setup.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, inject, it } from 'vitest';
import { clearNetworkLog, networkAttempts, refuseNetwork } from './network-guard';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.test.ts') && !path.endsWith('.d.ts') && !path.includes('/testing/') ? [path] : [];
  });
}

describe('production guards', () => {
  it('the bundle wrangler deploys is at most 3 MiB gzip (the free plan\'s limit)', () => {
    const bundle = readFileSync(inject('bundlePath'));
    const gzipped = gzipSync(bundle, { level: 9 }).byteLength;
    expect(gzipped).toBeLessThanOrEqual(3 * 1024 * 1024);
  });

  it('only workers/lib/query/like.ts writes LIKE or GLOB, so no pattern can pass D1\'s 50 bytes', () => {
    const offenders: string[] = [];
    for (const file of [...sources(join(ROOT, 'workers')), ...sources(join(ROOT, 'durable-objects'))]) {
      const rel = relative(ROOT, file);
      if (rel === 'workers/lib/query/like.ts') continue;
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '').trim();
        if (code.startsWith('*') || code.startsWith('/*')) return;
        if (/\b(LIKE|GLOB)\b/.test(code)) offenders.push(`${rel}:${i + 1}: ${code}`);
      });
    }
    expect(offenders).toEqual([]);
  });

  it('the unit tests\' outbound service refuses and records every request', () => {
    clearNetworkLog();
    const res = refuseNetwork(new Request('https://example.com/leak', { method: 'POST' }));
    expect(res.status).toBe(599);
    expect(networkAttempts()).toEqual(['POST https://example.com/leak']);
    clearNetworkLog();
  });
});
