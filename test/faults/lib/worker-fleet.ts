/**
 * A fleet of `hookflow worker` processes (bin/crm.js worker: the reference CRM's worker, the package's runWorker) on one database: start,
 * SIGKILL one at random and start its replacement, stop them all. A worker that exits without
 * being told to is counted as a crash: the fault tests require zero.
 * Invariant: after stopAll() no child process of the fleet is left running, and none starts.
 */
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { TEST_SECRET_KEY } from '../../helpers/test-host.js';
import { waitFor } from '../../helpers/wait.js';

const root = path.resolve(import.meta.dirname, '../../..');

interface WorkerProcess {
  child: ChildProcess;
  /** Resolves once the worker said it is running; rejects if it exits first. */
  ready: Promise<void>;
  isReady: boolean;
  /** Set before we signal it, so its exit is not counted as a crash. */
  stopping: boolean;
  exited: Promise<void>;
  output(): string;
}

export interface WorkerFleet {
  /** Starts `count` workers and waits until each says it is running. */
  start(count: number): Promise<void>;
  /**
   * SIGKILLs one ready worker chosen with `random` and starts its replacement without waiting
   * for it to be ready (a kill cadence must not depend on start-up time).
   */
  killOneAndRestart(random: () => number): Promise<void>;
  /** Pids of the workers that are running and ready now. */
  readyPids(): number[];
  /** Waits until every started worker is ready. */
  ready(): Promise<void>;
  /** SIGTERM (graceful) or SIGKILL every worker and wait for all to exit. */
  stopAll(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  readonly kills: number;
  readonly restarts: number;
  /** Output of workers that exited on their own (should stay empty). */
  readonly crashes: string[];
  /** All workers' output so far (stdout + stderr), for failure messages. */
  output(): string;
  /** What happened when (epoch ms): spawned, ready, killed, exited; for failure messages. */
  readonly events: Array<{ at: number; pid: number | undefined; event: string }>;
}

export interface FleetOptions {
  databaseUrl: string;
  /** HOOKFLOW_DATA_DIR for the workers (alert mails are written there as .eml files). */
  dataDir: string;
  /** LOG_LEVEL of the workers. Default `warn`. */
  logLevel?: string;
}

export function createWorkerFleet(opts: FleetOptions): WorkerFleet {
  const all: WorkerProcess[] = [];
  let running: WorkerProcess[] = [];
  const crashes: string[] = [];
  let kills = 0;
  let restarts = 0;
  const events: WorkerFleet['events'] = [];
  const note = (pid: number | undefined, event: string) => events.push({ at: Date.now(), pid, event });
  // Once stopped, nothing new starts (a schedule still running after a test timeout must not
  // leave an orphan); and as a last resort every child dies with the test process.
  let closed = false;
  const killLeftovers = () => {
    for (const w of all) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  };
  process.on('exit', killLeftovers);

  function spawnOne(): WorkerProcess {
    if (closed) throw new Error('the worker fleet is stopped');
    const child = spawn(process.execPath, [path.join(root, 'bin/crm.js'), 'worker'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        DATABASE_URL: opts.databaseUrl,
        HOOKFLOW_SECRET_KEY: TEST_SECRET_KEY,
        HOOKFLOW_DATA_DIR: opts.dataDir,
        LOG_LEVEL: opts.logLevel ?? 'warn',
      },
    });
    note(child.pid, 'spawned');
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
    });
    child.stderr!.on('data', (c) => {
      out += c;
    });
    const w: WorkerProcess = {
      child,
      stopping: false,
      isReady: false,
      output: () => out,
      exited: Promise.resolve(),
      ready: Promise.resolve(),
    };
    w.exited = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        note(child.pid, `exited ${code ?? signal}`);
        running = running.filter((r) => r !== w);
        if (!w.stopping)
          crashes.push(`worker ${child.pid} exited by itself (code ${code}, signal ${signal}):\n${out.slice(-4000)}`);
        resolve();
      }),
    );
    all.push(w);
    running.push(w);
    w.ready = waitFor(`worker ${child.pid} to start`, 30_000, () => {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`worker exited during start-up: ${out}`);
      return /hookflow worker .* running against/.test(out);
    }).then(() => {
      w.isReady = true;
      note(child.pid, 'ready');
    });
    w.ready.catch(() => undefined); // awaited by start()/ready(); a kill during start-up is not an error here
    return w;
  }

  return {
    get kills() {
      return kills;
    },
    get restarts() {
      return restarts;
    },
    get crashes() {
      return crashes;
    },
    events,
    async start(count) {
      await Promise.all(Array.from({ length: count }, () => spawnOne().ready));
    },
    async killOneAndRestart(random) {
      if (running.length === 0) throw new Error(`no worker left to kill; crashes: ${crashes.join('\n')}`);
      if (!running.some((w) => w.isReady)) await Promise.race(running.map((w) => w.ready));
      const candidates = running.filter((w) => w.isReady);
      const victim = candidates[Math.floor(random() * candidates.length)];
      if (!victim) throw new Error('no running worker to kill');
      victim.stopping = true;
      victim.child.kill('SIGKILL');
      note(victim.child.pid, 'SIGKILL');
      await victim.exited;
      kills += 1;
      if (closed) return;
      spawnOne().ready.then(
        () => {
          restarts += 1;
        },
        () => undefined,
      );
    },
    readyPids: () => running.filter((w) => w.isReady).map((w) => w.child.pid as number),
    async ready() {
      await Promise.all(running.map((w) => w.ready));
    },
    async stopAll(signal = 'SIGTERM') {
      closed = true;
      for (const w of all) {
        if (w.child.exitCode !== null || w.child.signalCode !== null) continue;
        w.stopping = true;
        w.child.kill(signal);
      }
      // A graceful stop waits for in-flight work; never longer than this.
      const timer = setTimeout(killLeftovers, 15_000);
      await Promise.all(all.map((w) => w.exited));
      clearTimeout(timer);
    },
    output: () => all.map((w) => `--- worker ${w.child.pid}\n${w.output()}`).join('\n'),
  };
}
