/**
 * A scratch CRM outside the repository, built the way a CRM developer would: `npm pack` this
 * project, `npm install` the tarball with the host's own express/knex/driver (from the npm cache
 * `npm ci` filled, `--prefer-offline`), write files, start processes and wait for what they print.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { waitFor } from '../helpers/wait.js';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

export interface PackedTarball {
  file: string;
  /** Paths inside the package, e.g. `dist/module/index.js`. */
  files: string[];
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number): string {
  const started = Date.now();
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: timeoutMs,
    // JOBS: node-gyp compiles better-sqlite3 on every core (about half the install time on 2 cores).
    env: { ...process.env, npm_config_update_notifier: 'false', JOBS: 'max' },
  });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  // Where the minutes go, in CI's output (npm installs dominate this suite).
  console.log(`${cmd} ${args[0]} in ${path.basename(cwd)}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return r.stdout;
}

/** `npm pack` (its `prepare` script builds) into `dir`. */
export function packTarball(dir: string): PackedTarball {
  const out = run('npm', ['pack', '--json', '--pack-destination', dir], repoRoot, 300_000);
  // npm prints the prepare script's output before the JSON.
  const [info] = JSON.parse(out.slice(out.indexOf('[\n'))) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  return { file: path.join(dir, info.filename), files: info.files.map((f) => f.path) };
}

/** The version of `name` this repository's lock file pins (so the npm cache has it). */
export function lockedVersion(name: string): string {
  const lock = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8'));
  return lock.packages[`node_modules/${name}`].version;
}

/** A new folder outside the repository with a package.json, the tarball and `deps` installed. */
export function createScratchApp(prefix: string, tarball: string, deps: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  if (path.resolve(dir).startsWith(repoRoot)) throw new Error('the scratch app must live outside the repository');
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify(
      {
        name: prefix,
        private: true,
        version: '1.0.0',
        // npm 11 runs install scripts only of packages allowed here (better-sqlite3 builds its binding).
        allowScripts: { 'better-sqlite3': true },
      },
      null,
      2,
    ),
  );
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, ...deps], dir, 900_000);
  return dir;
}

export interface HostProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string | null>;
  /** Waits until the output matches; throws with the output when the process exits first. */
  waitForOutput(pattern: RegExp, what: string, ms?: number): Promise<RegExpExecArray>;
}

/** Starts `command args` in `cwd` with only `env` (plus PATH and HOME) in its environment. */
export function startProcess(command: string, args: string[], cwd: string, env: Record<string, string>): HostProcess {
  const child = spawn(command, args, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? os.tmpdir(), ...env },
  });
  let out = '';
  child.stdout!.on('data', (c) => {
    out += c;
  });
  child.stderr!.on('data', (c) => {
    out += c;
  });
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  return {
    child,
    output: () => out,
    exited,
    async waitForOutput(pattern, what, ms = 120_000) {
      let match: RegExpExecArray | null = null;
      await waitFor(what, ms, () => {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`${command} ${args.join(' ')} exited before ${what}:\n${out}`);
        match = pattern.exec(out);
        return match !== null;
      });
      return match!;
    },
  };
}

/** Kills what is still running (last resort in t.after: a failed test must not leave processes). */
export function killAll(processes: HostProcess[]): void {
  for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
}
