// PLACEHOLDER owned by the lead; replaced this session.
import express, { type Router } from 'express';
import type { Knex } from 'knex';
import type { HostContext, HostLogger } from '../host.js';
import type { HookflowSettings } from '../config.js';
import type { WorkflowStore } from '../workflows/store.js';
import type { RunStarter } from '../workflows/start-run.js';
import type { AnyTaskDefinition } from '../workflows/task-types.js';
import type { TemplateEngine } from '../workflows/templates.js';

export interface InboundDeps {
  db: Knex;
  host: HostContext;
  store: WorkflowStore;
  starter: RunStarter;
  settings(): HookflowSettings;
  logger: HostLogger;
  taskTypes: Map<string, AnyTaskDefinition>;
  templates: TemplateEngine;
}

export function createInboundRouter(_deps: InboundDeps): Router {
  return express.Router();
}
