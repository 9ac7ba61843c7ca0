// PLACEHOLDER owned by the admin-pages helper; replaced this session.
import express, { type Router } from 'express';
import type { Knex } from 'knex';
import type { HostContext, HostLogger } from '../../host.js';
import type { HookflowManifest } from '../../manifest.js';
import type { WorkflowService } from '../../workflows/service.js';
import type { WorkflowStore } from '../../workflows/store.js';
import type { RunStarter } from '../../workflows/start-run.js';
import type { SettingsStore } from '../../settings-store.js';
import type { AnyTaskDefinition } from '../../workflows/task-types.js';
import type { TemplateEngine } from '../../workflows/templates.js';

export interface AdminPagesDeps {
  db: Knex;
  host: HostContext;
  logger: HostLogger;
  manifest: HookflowManifest;
  workflows: WorkflowService;
  store: WorkflowStore;
  starter: RunStarter;
  settingsStore: SettingsStore;
  taskTypes: Map<string, AnyTaskDefinition>;
  templates: TemplateEngine;
  /** Wakes the worker after something was queued. */
  wake(): void;
  /** Secret for the CSRF tokens of the admin forms (derived from HOOKFLOW_SECRET_KEY). */
  csrfSecret: string;
}

export function createAdminPages(_deps: AdminPagesDeps): Router {
  return express.Router();
}
