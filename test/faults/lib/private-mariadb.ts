/**
 * A private MariaDB server for one fault test: its own datadir (a temp folder), TCP port and
 * socket, started with --no-defaults so nothing of the system's my.cnf (the SHARED server's port,
 * socket or datadir) applies. The test may SIGKILL it and start it again on the same datadir and
 * port — a real crash and restart, with InnoDB's crash recovery — which it must never do to the
 * shared server other sessions use.
 * Invariant: stop() (and, as a last resort, the test process's exit) leaves no mariadbd of ours
 * running and removes the datadir.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { waitFor } from '../../helpers/wait.js';

const SHARED_PORT = 3306;

export interface PrivateMariadb {
  /** `mysql://root@127.0.0.1:<port>` (no database). */
  url: string;
  port: number;
  /** SIGKILLs the server and waits until it is gone; epoch ms of the kill. */
  kill9(): Promise<number>;
  /** Starts it again on the same datadir and port; resolves once it accepts connections. */
  restart(): Promise<void>;
  /** What happened when (epoch ms): started, ready, SIGKILL, exited; for failure messages. */
  readonly events: Array<{ at: number; event: string }>;
  /** The current server's output (its error log), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (never the shared server's). */
async function freePort(): Promise<number> {
  for (;;) {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    if (port !== SHARED_PORT) return port;
  }
}

/** True when mariadbd and mariadb-install-db can be run here. */
export function mariadbAvailable(): boolean {
  return ['mariadbd', 'mariadb-install-db'].every(
    (bin) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0 || fs.existsSync(`/usr/sbin/${bin}`),
  );
}

function installDatadir(datadir: string): void {
  const r = spawnSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${datadir}`,
      '--user=root',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`mariadb-install-db failed: ${r.stdout}\n${r.stderr}`);
}

export async function startPrivateMariadb(): Promise<PrivateMariadb> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-faults-mariadb-'));
  const datadir = path.join(dir, 'data');
  installDatadir(datadir);
  const port = await freePort();
  const events: PrivateMariadb['events'] = [];
  const note = (event: string) => events.push({ at: Date.now(), event });
  let child: ChildProcess | null = null;
  let out = '';
  const alive = () => child !== null && child.exitCode === null && child.signalCode === null;
  const killLeftover = () => {
    if (alive()) child!.kill('SIGKILL');
  };
  process.on('exit', killLeftover);

  async function start(): Promise<void> {
    out = '';
    const args = [
      '--no-defaults',
      `--datadir=${datadir}`,
      '--user=root',
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${path.join(dir, 'mysqld.sock')}`,
      `--pid-file=${path.join(dir, 'mysqld.pid')}`,
      '--skip-name-resolve',
      '--skip-log-bin',
      '--innodb-buffer-pool-size=64M',
      // Durable commits (the default, said out loud): a committed row must survive the kill.
      '--innodb-flush-log-at-trx-commit=1',
      '--max-connections=300',
    ];
    const c = spawn('mariadbd', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    c.stdout!.on('data', (d) => (out += d));
    c.stderr!.on('data', (d) => (out += d));
    c.once('exit', (code, signal) => note(`exited ${code ?? signal}`));
    note('started');
    await waitFor(`the private mariadbd on port ${port} to accept connections`, 60_000, () => {
      if (c.exitCode !== null || c.signalCode !== null) throw new Error(`mariadbd exited during start-up:\n${out}`);
      return /ready for connections/.test(out);
    });
    note('ready');
  }

  await start();
  return {
    url: `mysql://root@127.0.0.1:${port}`,
    port,
    events,
    output: () => out,
    async kill9() {
      if (!alive()) throw new Error('the private mariadbd is not running');
      const c = child!;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      const at = Date.now();
      c.kill('SIGKILL');
      note('SIGKILL');
      await exited;
      return at;
    },
    restart: start,
    async stop() {
      if (alive()) {
        const c = child!;
        const exited = new Promise((resolve) => c.once('exit', resolve));
        c.kill('SIGKILL'); // nothing of it is kept: a graceful shutdown would only cost time
        await exited;
      }
      process.off('exit', killLeftover);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
