/**
 * The reference CRM's web process (`bin/crm.js start`, the short URL included) as a child process
 * on one database, without its in-process worker (the fleet works the queue), on a free port.
 * kill9() SIGKILLs it; start() starts a new one (on a new port: the client follows `url`).
 * Invariant: stop() (and the test process's exit) leaves no web process of ours running.
 */
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { TEST_SECRET_KEY } from '../../helpers/test-host.js';
import { waitFor } from '../../helpers/wait.js';

const root = path.resolve(import.meta.dirname, '../../..');

export interface WebProcess {
  /** The current process's short URL base, e.g. `http://127.0.0.1:41234/wf`; null while none runs. */
  readonly url: string | null;
  start(): Promise<void>;
  /** SIGKILLs the running process and waits for its exit; epoch ms of the kill. */
  kill9(): Promise<number>;
  readonly events: Array<{ at: number; event: string }>;
  /** Web processes that exited without being told to (should stay empty). */
  readonly crashes: string[];
  output(): string;
  stop(): Promise<void>;
}

export function createWebProcess(opts: { databaseUrl: string; dataDir: string }): WebProcess {
  let child: ChildProcess | null = null;
  let url: string | null = null;
  let all = '';
  const crashes: string[] = [];
  const events: WebProcess['events'] = [];
  const note = (event: string) => events.push({ at: Date.now(), event });
  const alive = () => child !== null && child.exitCode === null && child.signalCode === null;
  const killLeftover = () => {
    if (alive()) child!.kill('SIGKILL');
  };
  process.on('exit', killLeftover);
  let stopping = false;

  async function start(): Promise<void> {
    const c = spawn(process.execPath, [path.join(root, 'bin/crm.js'), 'start'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        DATABASE_URL: opts.databaseUrl,
        HOOKFLOW_SECRET_KEY: TEST_SECRET_KEY,
        HOOKFLOW_DATA_DIR: opts.dataDir,
        HOOKFLOW_IN_PROCESS_WORKER: 'false',
        PORT: '0',
        LOG_LEVEL: 'warn',
      },
    });
    child = c;
    stopping = false;
    let out = '';
    const add = (d: Buffer) => {
      out += d;
      all += d;
    };
    c.stdout!.on('data', add);
    c.stderr!.on('data', add);
    c.once('exit', (code, signal) => {
      note(`exited ${code ?? signal}`);
      if (!stopping) crashes.push(`web process ${c.pid} exited by itself (${code ?? signal}):\n${out.slice(-3000)}`);
    });
    note(`spawned pid ${c.pid}`);
    await waitFor('the web process to listen', 60_000, () => {
      if (c.exitCode !== null || c.signalCode !== null) throw new Error(`web process exited during start-up:\n${out}`);
      return /Inbound short URL\s+\S+/.test(out);
    });
    url = /Inbound short URL\s+(\S+?)\/?\s/.exec(out)![1];
    note(`ready at ${url}`);
  }

  async function kill(): Promise<number> {
    const c = child!;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    stopping = true;
    url = null;
    const at = Date.now();
    c.kill('SIGKILL');
    note('SIGKILL');
    await exited;
    return at;
  }

  return {
    get url() {
      return url;
    },
    events,
    crashes,
    output: () => all,
    start,
    async kill9() {
      if (!alive()) throw new Error('no web process running');
      return kill();
    },
    async stop() {
      if (alive()) await kill();
      process.off('exit', killLeftover);
    },
  };
}
