/**
 * Wires the reference CRM: builds the `HostContext` Hookflow needs, installs the module as its
 * manifest describes, and assembles the express app around it.
 *
 * `createHostContext` is the HTTP-free half (tests and the `hookflow worker` CLI use it);
 * `createHostApp` adds install, routes and shutdown on top.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import cookieParser from 'cookie-parser';
import express, { type Express } from 'express';
import type { Knex } from 'knex';
import { pino, type Logger } from 'pino';
import {
  install,
  loadManifest,
  type HookflowManifest,
  type HookflowSettingsPatch,
  type HostContext,
  type HostLogger,
  type HostMailer,
  type InstalledHookflow,
  type InstallOptions,
  type RecordHooks,
} from 'hookflow';
import { createApiRouter } from './api.js';
import { createAuthRouter, type LoginRateLimit } from './auth.js';
import type { HostConfig } from './config.js';
import { createDemoRouter } from './demo.js';
import { toCodedError } from './http-errors.js';
import { createMailer } from './mailer.js';
import { createModulePagesRouter } from './module-pages.js';
import { createRecordFormRouter } from './record-form-pages.js';
import { createPagesRouter, recordPageUrl } from './pages.js';
import { RecordService } from './records.js';
import { createRenderer } from './render.js';
import { migrateHost } from './schema.js';
import { createAuthMiddleware, SessionStore, smallPage, wantsHtml, type AuthMiddleware } from './session.js';
import { UserService } from './users.js';

const MODULES_ENTRY = { label: 'Modules', description: 'Custom modules and their fields', url: '/settings/modules' };

export const DEFAULT_MAIL_FROM = '"Hookflow" <hookflow@localhost>';

/**
 * What installs Hookflow: the package's `install` unless a test injects a fake. `T` is what it
 * returns, so a test's fake can carry extra probes; the host itself relies only on InstalledHookflow.
 */
export type ModuleInstaller<T extends InstalledHookflow = InstalledHookflow> = (
  host: HostContext,
  options: InstallOptions,
) => Promise<T>;

export interface HostContextOptions {
  db: Knex;
  /** Only `baseUrl`, `mailFrom`, `smtpUrl` and `dataDir` are read. Default: the individual defaults below. */
  config?: Partial<Pick<HostConfig, 'baseUrl' | 'mailFrom' | 'smtpUrl' | 'dataDir'>>;
  /** Default: a silent pino logger. */
  logger?: HostLogger;
  /** Default: `createMailer({ smtpUrl: config.smtpUrl, mailDir: <config.dataDir ?? 'data'>/mail })`. */
  mailer?: HostMailer;
  /** Default `config.baseUrl`, else `http://localhost:3000`. */
  baseUrl?: string;
  /** Default `config.mailFrom`, else `"Hookflow" <hookflow@localhost>`. */
  mailFrom?: string;
  /** Default `() => new Date()`. */
  now?: () => Date;
}

export interface HostContextHandle {
  context: HostContext;
  records: RecordService;
  users: UserService;
  sessions: SessionStore;
  auth: AuthMiddleware;
  mailer: HostMailer;
  /** Binds Hookflow's hooks to record saves (null unbinds); the same as `context.attachHooks`. */
  bindHooks(hooks: RecordHooks | null): void;
  /** Closes what this call created (the default mailer); never the db. */
  close(): void;
}

/** Builds the HostContext and the services behind it, without HTTP. Does not migrate. */
export function createHostContext(opts: HostContextOptions): HostContextHandle {
  const now = opts.now ?? (() => new Date());
  const logger = opts.logger ?? pino({ level: 'silent' });
  const ownMailer = opts.mailer
    ? null
    : createMailer({ smtpUrl: opts.config?.smtpUrl, mailDir: path.join(opts.config?.dataDir ?? 'data', 'mail') });
  const mailer = opts.mailer ?? ownMailer!;
  const records = new RecordService(opts.db, now);
  const users = new UserService(opts.db, now);
  const sessions = new SessionStore(opts.db, now);
  const auth = createAuthMiddleware(users, sessions);
  const bindHooks = (hooks: RecordHooks | null) => records.setHooks(hooks);
  const context: HostContext = {
    db: opts.db,
    records,
    users,
    mailer,
    mailFrom: opts.mailFrom ?? opts.config?.mailFrom ?? DEFAULT_MAIL_FROM,
    requireAdmin: auth.requireAdmin,
    logger,
    now,
    baseUrl: (opts.baseUrl ?? opts.config?.baseUrl ?? 'http://localhost:3000').replace(/\/+$/, ''),
    attachHooks: bindHooks,
    // The record page (host/pages.ts), behind the login: failure mails link an owner here.
    recordUrl: (module, recordId) => recordPageUrl(context.baseUrl, module, recordId, (m) => records.isKnownModule(m)),
  };
  return { context, records, users, sessions, auth, mailer, bindHooks, close: () => ownMailer?.close() };
}

export interface HostAppOptions<T extends InstalledHookflow = InstalledHookflow> {
  db: Knex;
  /** Reads baseUrl, mailFrom, smtpUrl, dataDir, secretKey and inProcessWorker. */
  config: Pick<HostConfig, 'baseUrl' | 'mailFrom' | 'dataDir' | 'secretKey' | 'inProcessWorker'> &
    Partial<Pick<HostConfig, 'smtpUrl'>>;
  /** Default: a pino logger at `info`. */
  logger?: Logger | HostLogger;
  /** Default: the package's `install`. Tests inject a fake. */
  installer?: ModuleInstaller<T>;
  /** Default: the package's manifest.json. */
  manifestFile?: string;
  /** Default: file or SMTP mailer from `config`. */
  mailer?: HostMailer;
  /** Default `() => new Date()`. */
  now?: () => Date;
  /** Hookflow setting overrides passed to install. Default none. */
  settings?: HookflowSettingsPatch;
  /** Default 10 failed logins per address per 15 minutes. */
  loginRateLimit?: LoginRateLimit;
  /** Run the host's migrations first. Default true (idempotent). */
  migrate?: boolean;
  /** Mount the demo receivers under /demo (fake accounting, thank-you page; see demo.ts). Default true. */
  demoRoutes?: boolean;
}

/** `T` is what the installer returns: the real module's result unless a test injects a fake. */
export interface HostApp<T extends InstalledHookflow = InstalledHookflow> {
  app: Express;
  context: HostContext;
  hookflow: T;
  manifest: HookflowManifest;
  services: HostContextHandle;
  /** Uninstalls Hookflow (stopping its worker) and closes the default mailer. Idempotent; leaves the db open. */
  close(): Promise<void>;
}

/** Installs Hookflow into a new host context and returns the ready (not yet listening) app. */
export async function createHostApp<T extends InstalledHookflow = InstalledHookflow>(
  opts: HostAppOptions<T>,
): Promise<HostApp<T>> {
  // A bad manifest stops start-up before anything else happens, with its one-line message.
  const manifest = loadManifest(opts.manifestFile);
  if (opts.migrate ?? true) await migrateHost(opts.db);
  const logger = opts.logger ?? pino({ level: 'info' });
  const services = createHostContext({ db: opts.db, config: opts.config, logger, mailer: opts.mailer, now: opts.now });
  // Without an injected installer T is InstalledHookflow, which is exactly what install returns.
  const installer = opts.installer ?? (install as ModuleInstaller<T>);
  let hookflow: T;
  try {
    hookflow = await installer(services.context, {
      secretKey: opts.config.secretKey,
      startWorker: opts.config.inProcessWorker,
      settings: opts.settings,
    });
  } catch (err) {
    services.close();
    throw err;
  }
  // install() attached its hooks to the record service (context.attachHooks) before starting its worker.
  const app = buildExpressApp({ opts, manifest, services, hookflow, logger });
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      try {
        await hookflow.uninstall();
      } finally {
        services.bindHooks(null);
        services.close();
      }
    })());
  return { app, context: services.context, hookflow, manifest, services, close };
}

interface BuildArgs {
  opts: HostAppOptions<InstalledHookflow>;
  manifest: HookflowManifest;
  services: HostContextHandle;
  hookflow: InstalledHookflow;
  logger: HostLogger;
}

function buildExpressApp({ opts, manifest, services, hookflow, logger }: BuildArgs): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.locals.requestId = crypto.randomUUID();
    res.set('X-Request-Id', res.locals.requestId);
    next();
  });
  // No global body parser: Hookflow's inbound router reads its own bodies with its own limits.
  app.use(cookieParser());
  const render = createRenderer();
  const authRouter = createAuthRouter({
    users: services.users,
    sessions: services.sessions,
    render,
    logger,
    // Derived, not the key itself: a CSRF HMAC must never be able to reveal the encryption key.
    csrfSecret: crypto.createHmac('sha256', opts.config.secretKey).update('crm-csrf').digest('hex'),
    secureCookies: opts.config.baseUrl.startsWith('https:'),
    loginRateLimit: opts.loginRateLimit,
  });
  // Health first: no session, cookie or body work, so an orchestrator's probe costs one check.
  app.get('/healthz', (req, res, next) => hookflow.healthHandler(req, res, next));
  app.use(authRouter.router);
  app.use('/api', createApiRouter({ records: services.records, users: services.users, auth: services.auth, logger }));
  // Before the pages router: its /records/:module/:id would answer /records/:module/new with a 404.
  app.use(
    createRecordFormRouter({
      auth: services.auth,
      records: services.records,
      render,
      csrfToken: authRouter.csrfToken,
      checkForm: authRouter.checkForm,
    }),
  );
  app.use(
    createPagesRouter({
      auth: services.auth,
      records: services.records,
      render,
      settingsEntries: [manifest.settings, MODULES_ENTRY],
      csrfToken: authRouter.csrfToken,
      users: services.users,
      checkForm: authRouter.checkForm,
    }),
  );
  app.use(
    createModulePagesRouter({
      auth: services.auth,
      records: services.records,
      render,
      csrfToken: authRouter.csrfToken,
      csrfProtection: authRouter.csrfProtection,
    }),
  );
  if (opts.demoRoutes ?? true) app.use('/demo', createDemoRouter({ auth: services.auth, render, logger }));
  app.use(manifest.routes.inbound, hookflow.inboundRouter);
  // The host guards its whole settings area itself too; Hookflow's own requireAdmin is then a cheap no-op re-check.
  app.use(manifest.routes.admin, services.auth.requireAdmin, hookflow.adminRouter);
  app.use(notFound);
  app.use(lastResortErrorHandler(logger));
  return app;
}

const notFound: express.RequestHandler = (req, res) => {
  if (wantsHtml(req)) {
    res
      .status(404)
      .type('html')
      .send(smallPage('Not found', 'There is no page at this address.', { href: '/', label: 'Home' }));
    return;
  }
  res.status(404).json({ error: { code: 'not_found', message: `No route ${req.method} ${req.path}` } });
};

/** Errors that escaped every router (e.g. thrown inside a module router without its own handler). */
function lastResortErrorHandler(logger: HostLogger): express.ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const coded = toCodedError(err);
    if (coded && coded.status < 500) {
      res.status(coded.status).json({ error: coded.toJSON() });
      return;
    }
    const requestId = String(res.locals.requestId ?? '');
    logger.error({ err, requestId, method: req.method, path: req.path }, 'unhandled request error');
    if (wantsHtml(req)) {
      res
        .status(500)
        .type('html')
        .send(
          smallPage('Something went wrong', `The error was logged with id ${requestId}.`, { href: '/', label: 'Home' }),
        );
      return;
    }
    res.status(500).json({ error: { code: 'internal', message: 'Internal error', requestId } });
  };
}
