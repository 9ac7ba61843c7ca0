/**
 * `runWorker(host, options)`: a Hookflow worker as its own process, for any host — what
 * `hookflow worker --host <file>` runs. It installs Hookflow with the worker started (routers
 * unused), optionally serves `/healthz` on a port of its own, and stops gracefully on SIGTERM or
 * SIGINT: no new claims, every in-flight request and run finishes (or its lease lets another
 * worker take it), then `stopped` resolves. It never calls `process.exit` and never closes
 * `host.db` — both belong to the caller.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HostContext } from './host.js';
import type { InstallOptions } from './config.js';
import { install, type InstalledHookflow } from './install.js';

export interface RunWorkerOptions extends Omit<InstallOptions, 'startWorker'> {
  /** Stop on SIGTERM and SIGINT. Default true. */
  handleSignals?: boolean;
  /** Serve `GET /healthz` (the `health()` JSON, 200/503) on this port. Default none. */
  healthPort?: number;
  /** Address the health port listens on. Default `127.0.0.1`. */
  healthHost?: string;
}

export interface RunningWorker {
  workerId: string;
  hookflow: InstalledHookflow;
  /** Where `/healthz` is served, e.g. `http://127.0.0.1:9090/healthz`; null without `healthPort`. */
  healthUrl: string | null;
  /** Stops claiming, waits for in-flight work, uninstalls. Idempotent. */
  stop(): Promise<void>;
  /** Resolves once the worker has stopped (after stop() or a signal). */
  stopped: Promise<void>;
}

function serveHealth(hf: InstalledHookflow, port: number, host: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/healthz') {
      res
        .writeHead(404, { 'Content-Type': 'application/json' })
        .end('{"error":{"code":"not_found","message":"GET /healthz"}}');
      return;
    }
    hf.health().then((report) => {
      res
        .writeHead(report.status === 'down' ? 503 : 200, {
          'Content-Type': 'application/json',
          'Cache-Control': 'no-store',
        })
        .end(JSON.stringify(report));
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

export async function runWorker(host: HostContext, options: RunWorkerOptions): Promise<RunningWorker> {
  const { handleSignals = true, healthPort, healthHost = '127.0.0.1', ...installOptions } = options;
  const hookflow = await install(host, { ...installOptions, startWorker: true });
  let server: http.Server | null = null;
  try {
    if (healthPort !== undefined) server = await serveHealth(hookflow, healthPort, healthHost);
  } catch (err) {
    await hookflow.uninstall();
    throw err;
  }
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  let stopping: Promise<void> | undefined;
  const onSignal = () => {
    void stop();
  };
  const stop = () =>
    (stopping ??= (async () => {
      process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
      try {
        if (server)
          await new Promise<void>((resolve) => {
            server!.close(() => resolve());
            server!.closeAllConnections();
          });
        await hookflow.uninstall();
      } finally {
        resolveStopped();
      }
    })());
  if (handleSignals) process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
  const address = server?.address() as AddressInfo | null | undefined;
  const healthUrl = address
    ? `http://${healthHost.includes(':') ? `[${healthHost}]` : healthHost}:${address.port}/healthz`
    : null;
  return { workerId: hookflow.services.workerId, hookflow, healthUrl, stop, stopped };
}
