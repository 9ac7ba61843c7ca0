/**
 * Drives HTTP load from a separate process: spawns `node bench/lib/load-generator.mjs` (autocannon)
 * and returns what it printed. The benchmark process only waits meanwhile, so the servers it
 * hosts get its event loop to themselves; the client still shares the machine's CPUs, as any
 * client on the same host would.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const generator = path.join(import.meta.dirname, 'load-generator.mjs');

export interface LoadOptions {
  url: string;
  seconds: number;
  connections: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  ok2xx: number;
  non2xx: number;
  /** Count per status code, 2xx included. */
  statusCodes: Record<string, number>;
  /** Socket errors and timeouts (timeouts are counted in both). */
  errors: number;
  timeouts: number;
  seconds: number;
  /** 2xx answers per second; nothing else counts as throughput. */
  rps2xx: number;
  /** Latency of 2xx answers, ms (null when there were none). */
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  autocannon: string;
}

export function runLoad(opts: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [generator, JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      err += c;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== 0) return reject(new Error(`load generator exited with ${code ?? signal}: ${err.trim()}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as LoadResult);
      } catch {
        reject(new Error(`load generator printed no result: ${out}${err}`));
      }
    });
  });
}

/** Problems of one load run as a correctness check sees them: any non-2xx answer or socket error. */
export function loadProblems(r: LoadResult): string[] {
  const problems: string[] = [];
  const bad = Object.entries(r.statusCodes).filter(([code]) => !code.startsWith('2'));
  if (bad.length) problems.push(`${r.non2xx} non-2xx answers (${bad.map(([c, n]) => `${n}× ${c}`).join(', ')})`);
  if (r.errors) problems.push(`${r.errors} socket errors (${r.timeouts} timeouts)`);
  if (r.ok2xx === 0) problems.push('no 2xx answer at all');
  return problems;
}
