/**
 * `npm start`: opens the database, installs Hookflow into the reference CRM, seeds the demo,
 * listens, prints where everything is, and shuts down cleanly on SIGINT/SIGTERM.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import { pino } from 'pino';
import type { InstalledHookflow } from 'hookflow';
import { createHostApp, type HostApp, type ModuleInstaller } from './app.js';
import type { HostConfig } from './config.js';
import { openDatabase } from './db.js';
import { seedDemo, type SeedResult } from './seed.js';

/**
 * Start-up step for demo workflows (host/seed-workflows.ts). Runs on every start, after the demo
 * users and records exist, so it must be idempotent (`seed.created` tells a first start apart).
 */
/** Seeds demo workflows; may return extra banner lines (e.g. a ready-to-paste curl command). */
export type SeedWorkflows<T extends InstalledHookflow = InstalledHookflow> = (args: {
  host: HostApp<T>;
  seed: SeedResult;
  port: number;
  baseUrl: string;
}) => Promise<string[] | void>;

export interface StartServerOptions<T extends InstalledHookflow = InstalledHookflow> {
  /** Default: the real `install` from module/index.ts. */
  installer?: ModuleInstaller<T>;
  /** Seeds demo workflows after the demo data. Default none. */
  seedWorkflows?: SeedWorkflows<T>;
  /** Seed demo users and records. Default true. */
  seed?: boolean;
  /** Where the start-up banner goes. Default `console.log`. */
  print?: (line: string) => void;
  /** Close on SIGINT/SIGTERM. Default true; tests pass false. */
  handleSignals?: boolean;
  /** Slow-client limits of the HTTP server. Default `DEFAULT_HTTP_TIMEOUTS`; tests pass small ones. */
  httpTimeouts?: Partial<HttpTimeouts>;
}

/**
 * How long a client may take, in ms. Node's own defaults (headers 60 s, whole request 300 s,
 * checked only every 30 s) let a client that trickles a byte at a time hold a socket for minutes.
 */
export interface HttpTimeouts {
  /** Until the last request header has arrived (then 408 and close). */
  headersMs: number;
  /** Until the whole request, body included, has arrived; never limits the response. */
  requestMs: number;
  /** How long an idle keep-alive connection stays open between requests. */
  keepAliveMs: number;
  /** How often open connections are checked against headersMs/requestMs (their resolution). */
  checkIntervalMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  keepAliveMs: 5_000,
  checkIntervalMs: 1_000,
};

/**
 * An http.Server with the slow-client limits applied. Invariant (Node's own rule, checked here
 * so a bad value fails at start-up): 0 < headersMs ≤ requestMs, and every value is positive.
 */
export function createHttpServer(
  timeouts: Partial<HttpTimeouts> | undefined,
  listener: http.RequestListener,
): http.Server {
  const t = { ...DEFAULT_HTTP_TIMEOUTS, ...timeouts };
  for (const [name, value] of Object.entries(t)) {
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new Error(`http timeout ${name} must be a positive number of milliseconds`);
  }
  if (t.headersMs > t.requestMs) throw new Error('http timeout headersMs must not be longer than requestMs');
  const server = http.createServer(
    { headersTimeout: t.headersMs, requestTimeout: t.requestMs, connectionsCheckingInterval: t.checkIntervalMs },
    listener,
  );
  server.keepAliveTimeout = t.keepAliveMs;
  return server;
}

export interface RunningServer<T extends InstalledHookflow = InstalledHookflow> {
  /** Where the server actually listens, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  host: HostApp<T>;
  db: Knex;
  seed: SeedResult | null;
  /** Stops accepting, finishes in-flight requests (5 s at most), uninstalls Hookflow, closes the db. Idempotent. */
  close(): Promise<void>;
}

/** How long in-flight requests may take to finish on shutdown before their sockets are cut. */
const DRAIN_MS = 5000;

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeHttp(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * Secrets the operator supplied through the environment are never echoed (terminal scrollback,
 * CI logs, `docker logs` keep them); generated ones are printed so the demo can be used at once.
 */
function shownCredentials(
  config: HostConfig,
  seed: SeedResult,
): { password: string; token: string; curlToken: string } {
  const { admin } = seed.credentials;
  const fromEnv = config.demoAdminToken !== undefined;
  return {
    password: config.demoAdminPassword !== undefined ? '(from HOOKFLOW_DEMO_ADMIN_PASSWORD)' : admin.password,
    token: fromEnv ? '(from HOOKFLOW_DEMO_ADMIN_TOKEN)' : admin.token,
    // The shell expands the variable, so the line works without the banner holding the token.
    curlToken: fromEnv
      ? '"Authorization: Bearer $HOOKFLOW_DEMO_ADMIN_TOKEN"'
      : `'Authorization: Bearer ${admin.token}'`,
  };
}

export function banner(
  config: HostConfig,
  host: HostApp<InstalledHookflow>,
  seed: SeedResult | null,
  listening: string,
): string[] {
  const base = config.baseUrl;
  const shortUrl = host.hookflow.shortUrl();
  const lines = [
    `Reference CRM with ${host.manifest.name} ${host.manifest.version} listening on ${listening}`,
    `  Records API        ${base}/api/records/Deals`,
    `  Hookflow settings  ${base}${host.manifest.settings.url}`,
    `  Inbound short URL  ${shortUrl}  (admins can change its path)`,
  ];
  if (seed) {
    const shown = shownCredentials(config, seed);
    lines.push(
      `  Demo admin login   ${seed.credentials.admin.email} / ${shown.password}`,
      `  Demo admin token   ${shown.token}`,
      `  Try:  curl -H ${shown.curlToken} ${base}/api/records/Deals`,
    );
  }
  return lines;
}

/** Answers while the app is still being built: the port is taken first so PORT=0 can be resolved. */
const starting: http.RequestListener = (_req, res) => {
  res.writeHead(503, { 'Retry-After': '1', 'Content-Type': 'text/plain' }).end('Starting, try again in a moment\n');
};

/**
 * Starts the reference CRM as configured; throws (with a one-line message) when it cannot.
 * Order: listen (so the real port is known) → open db → migrate + install → seed → serve.
 */
export async function startServer<T extends InstalledHookflow = InstalledHookflow>(
  config: HostConfig,
  options: StartServerOptions<T> = {},
): Promise<RunningServer<T>> {
  const logger = pino({ level: config.logLevel });
  const server = createHttpServer(options.httpTimeouts, starting);
  const port = await listen(server, config.port, config.host);
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  // PORT=0 without BASE_URL: links must point at the port actually chosen.
  const effective =
    config.port === 0 && config.baseUrl === 'http://localhost:0'
      ? { ...config, baseUrl: `http://localhost:${port}` }
      : config;
  const db = openDatabase(config.database, { dataDir: config.dataDir });
  let host: HostApp<T> | undefined;
  try {
    host = await createHostApp<T>({ db, config: effective, logger, installer: options.installer });
    const seed =
      options.seed === false
        ? null
        : await seedDemo({
            users: host.services.users,
            records: host.services.records,
            dataDir: config.dataDir,
            adminPassword: config.demoAdminPassword,
            adminToken: config.demoAdminToken,
          });
    // Demo workflows go here, after the users and records they refer to exist.
    const extra =
      seed && options.seedWorkflows
        ? await options.seedWorkflows({ host, seed, port, baseUrl: effective.baseUrl })
        : undefined;
    server.off('request', starting).on('request', host.app);
    const running = makeRunning(server, host, db, seed, url, port, options.handleSignals ?? true, logger);
    for (const line of [...banner(effective, host, seed, url), ...(extra ?? [])]) (options.print ?? console.log)(line);
    return running;
  } catch (err) {
    await closeHttp(server);
    await host?.close().catch(() => undefined);
    await db.destroy().catch(() => undefined);
    throw err;
  }
}

function makeRunning<T extends InstalledHookflow>(
  server: http.Server,
  host: HostApp<T>,
  db: Knex,
  seed: SeedResult | null,
  url: string,
  port: number,
  handleSignals: boolean,
  logger: pino.Logger,
): RunningServer<T> {
  let closing: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const close = () =>
    (closing ??= (async () => {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      await closeHttp(server);
      try {
        await host.close();
      } finally {
        await db.destroy();
      }
    })());
  if (handleSignals) process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  return { url, port, host, db, seed, close };
}
