/** Fake collaborators for running one task type (no I/O): a template engine, a host that records calls. */
import type { TaskEffect, TaskEffectLedger } from '../../../../module/workflows/task-effects.js';
import { createTemplateEngine, type TemplateContext } from '../../../../module/workflows/templates.js';
import type { TaskRunContext, RunResponse } from '../../../../module/workflows/task-types.js';
import { resolveSettings } from '../../../../module/config.js';

export const modules = [
  {
    name: 'Leads',
    label: 'Leads',
    fields: [
      { name: 'lastname', label: 'Last', type: 'text' as const },
      { name: 'email', label: 'E', type: 'email' as const },
    ],
  },
];

/** The task effect ledger in memory (no I/O): what a unit test's "run" noted. */
export function createMemoryEffectLedger(): TaskEffectLedger & { notes: Map<string, TaskEffect> } {
  const notes = new Map<string, TaskEffect>();
  return {
    notes,
    find: async (key) => notes.get(key) ?? null,
    note: async (key, effect) => {
      if (!notes.has(key)) notes.set(key, effect);
    },
  };
}

export function fakeContext(
  over: {
    env?: Record<string, unknown>;
    recordId?: number | null;
    secrets?: Record<string, string>;
    settings?: Record<string, unknown>;
    effects?: TaskEffectLedger;
    /** The host's base URL (the CRM's own site, e.g. for redirects); none when left out. */
    baseUrl?: string;
    /** The external system the run's change came from. Default none. */
    originSystem?: string | null;
  } = {},
) {
  const engine = createTemplateEngine();
  const calls: Array<{ op: string; args: unknown[] }> = [];
  let response: RunResponse | null = null;
  const tpl: TemplateContext = {
    env: { ...(over.env ?? {}) },
    record: { id: 7, lastname: 'Old', amount: 10 },
    previous: null,
    event: { type: 'record.created', time: '2026-01-01T00:00:00.000Z' },
    user: { id: 3, name: 'Owner', email: 'owner@example.com' },
  };
  const settings = resolveSettings(over.settings ?? {});
  const host = {
    records: {
      create: async (...args: unknown[]) => {
        calls.push({ op: 'create', args });
        return { id: 99, module: args[0], ownerUserId: 1, fields: args[1], createdAt: '', updatedAt: '' };
      },
      update: async (...args: unknown[]) => {
        calls.push({ op: 'update', args });
        return {
          id: args[1],
          module: args[0],
          ownerUserId: 1,
          fields: { lastname: 'New', amount: 10 },
          createdAt: '',
          updatedAt: '',
        };
      },
    },
    users: {
      get: async (id: number) =>
        id === 3
          ? { id: 3, name: 'Owner', email: 'owner@example.com', active: true, isAdmin: false }
          : id === 4
            ? { id: 4, name: 'Gone', email: 'g@example.com', active: false, isAdmin: false }
            : null,
    },
    mailer: {
      sendMail: async (m: unknown) => {
        calls.push({ op: 'mail', args: [m] });
        return {};
      },
    },
    mailFrom: 'crm@example.com',
    ...(over.baseUrl === undefined ? {} : { baseUrl: over.baseUrl }),
  };
  const ctx = {
    run: {
      id: 5,
      workflowId: 2,
      workflowTitle: 'W',
      module: 'Leads',
      recordId: over.recordId === undefined ? 7 : over.recordId,
      source: 'http',
      eventType: 'record.created',
      chainDepth: 1,
      actorUserId: 3,
      originSystem: over.originSystem ?? null,
    },
    task: { id: 11, type: 't', title: 'T' },
    tpl,
    secrets: over.secrets ?? {},
    services: {
      host: host as never,
      db: null as never,
      settings: () => settings,
      effects: over.effects ?? createMemoryEffectLedger(),
      render: (v: unknown, o?: { escapeHtml?: boolean }) => engine.render(v, tpl, o),
      renderString: (t: string, o?: { escapeHtml?: boolean }) => engine.renderString(t, tpl, o),
      deliveries: {
        enqueue: async (d: { webhookId: string }) => {
          calls.push({ op: 'enqueue', args: [d] });
          return { id: 42, webhookId: d.webhookId };
        },
      },
    },
    setResponse: (r: RunResponse) => {
      response = r;
    },
  } satisfies TaskRunContext;
  return { ctx, calls, tpl, response: () => response };
}

export const validation = (workflowModule = 'Leads') => ({
  workflowModule,
  modules,
  checkTemplate: () => null,
  settings: resolveSettings({}),
});
