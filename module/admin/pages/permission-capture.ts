/**
 * Capture mode on the permission page (issue 21.2): "Capture the next request for N minutes",
 * the captured request (fields with truncated values, content type, source, time) and
 * "Make these required $env fields", which adds the captured fields to the requiredEnv of the
 * workflows the permission runs (types guessed; fields already declared stay as they are).
 * Capturing and storing are the inbound module's (capture-mode.ts); this file renders and wires.
 */
import type { Request, Router } from 'express';
import { HookflowError } from '../../errors.js';
import { parseId } from '../../http-errors.js';
import { createCaptureMode, DEFAULT_CAPTURE_MINUTES, MAX_CAPTURE_MINUTES } from '../../inbound/capture-mode.js';
import { envFieldsOf, mapCapturedFields, mergeRequiredEnv } from '../../inbound/capture-sample.js';
import type { Permission, PermissionStore } from '../../inbound/permissions.js';
import type { Workflow } from '../../workflows/model.js';
import type { PagesContext } from './context.js';
import { storedTasksInput } from './workflow-form.js';
import { formatTime } from './view-models.js';

const SHOWN_VALUE = 80;

function shown(v: unknown): string {
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return text.length > SHOWN_VALUE ? `${text.slice(0, SHOWN_VALUE)}…` : text;
}

/** The workflows a permission runs: its workflow, or every workflow with its trigger name. */
async function targetWorkflows(ctx: PagesContext, p: Permission): Promise<Workflow[]> {
  if (p.workflowId != null) {
    const wf = await ctx.deps.store.get(p.workflowId);
    return wf ? [wf] : [];
  }
  return ctx.deps.store.findByTriggerName(p.triggerName ?? '');
}

/** A stored workflow as update input with `requiredEnv` replaced (tasks and secrets kept). */
function withRequiredEnv(wf: Workflow, requiredEnv: Workflow['requiredEnv']) {
  return {
    module: wf.module,
    title: wf.title,
    description: wf.description,
    status: wf.status,
    trigger: wf.trigger,
    triggerName: wf.triggerName,
    conditions: wf.conditions,
    runMode: wf.runMode,
    execMode: wf.execMode,
    requiredEnv,
    tasks: storedTasksInput(wf),
  };
}

/** Where a change lands: the workflow's page when there is one, else the permission's. */
function landing(p: Permission, workflows: Workflow[]): string {
  return workflows.length === 1 ? `/workflows/${workflows[0].id}` : `/permissions/${p.id}`;
}

function pickedNames(body: Request['body']): Set<string> | null {
  if (!body || body.pick !== '1') return null;
  const raw = body.field;
  return new Set((Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String));
}

export function createCaptureSection(ctx: PagesContext, permissions: PermissionStore) {
  const capture = createCaptureMode({ db: ctx.deps.db, permissions, now: () => ctx.deps.host.now().getTime() });
  // Which task types create a record from field rows: asked of the type, never named here.
  const mapsRequestFields = (type: string) => ctx.deps.taskTypes.get(type)?.mapsRequestFields === true;

  /** The view model of the permission page's capture card. */
  async function view(p: Permission) {
    const [status, workflows] = await Promise.all([capture.status(p.id), targetWorkflows(ctx, p)]);
    const c = status.capture;
    const eligible = new Map(c ? envFieldsOf(c.fields).map((f) => [f.name, f]) : []);
    return {
      capturing: status.captureUntil !== null,
      until: status.captureUntil === null ? null : formatTime(status.captureUntil),
      minutes: DEFAULT_CAPTURE_MINUTES,
      maxMinutes: MAX_CAPTURE_MINUTES,
      workflows: workflows.map((w) => ({ id: w.id, title: w.title })),
      mappable: workflows.some((w) => w.tasks.some((t) => mapsRequestFields(t.type))),
      capture: c && {
        at: formatTime(c.capturedAt),
        source: c.source,
        contentType: c.contentType ?? '(none)',
        fields: Object.entries(c.fields).map(([name, value]) => ({
          name,
          value: shown(value),
          type: eligible.get(name)?.type ?? null,
          offer: eligible.has(name) && name !== p.honeypotField,
        })),
        headers: Object.entries(c.headers).map(([name, value]) => ({ name, value: shown(value) })),
      },
    };
  }

  /** The permission, the captured fields the admin ticked (all when the form names none) and its workflows. */
  async function chosen(req: Request) {
    const p = await permissions.require(parseId(req.params.id));
    const c = (await capture.status(p.id)).capture;
    if (!c) throw new HookflowError('not_found', 'Nothing was captured for this permission (or it expired)');
    const picked = pickedNames(req.body);
    const fields = envFieldsOf(c.fields).filter(
      (f) => f.name !== p.honeypotField && (picked === null || picked.has(f.name)),
    );
    const workflows = await targetWorkflows(ctx, p);
    if (workflows.length === 0) throw new HookflowError('not_found', 'This permission runs no stored workflow');
    return { p, fields, workflows };
  }

  /** Adds `field ← $env["field"]` rows to the workflows' record-creating tasks; how many rows were added. */
  async function mapToRecordFields(workflows: Workflow[], names: string[]): Promise<number> {
    const modules = await ctx.deps.host.records.listModules();
    const fieldsOf = (m: string) => modules.find((x) => x.name === m)?.fields.map((f) => f.name) ?? [];
    let total = 0;
    for (const wf of workflows) {
      let added = 0;
      const tasks = storedTasksInput(wf).map((t) => {
        if (!mapsRequestFields(t.type)) return t;
        const r = mapCapturedFields(t.options, names, fieldsOf);
        added += r.added.length;
        return { ...t, options: r.options };
      });
      if (added > 0) await ctx.deps.workflows.update(wf.id, { ...withRequiredEnv(wf, wf.requiredEnv), tasks });
      total += added;
    }
    return total;
  }

  function register(router: Router): void {
    const back = (res: Parameters<PagesContext['base']>[0], id: number, notice: string) =>
      res.redirect(303, `${ctx.base(res)}/permissions/${id}?notice=${notice}#capture`);
    router.post('/permissions/:id/capture', async (req, res) => {
      const id = parseId(req.params.id);
      await capture.start(id, { minutes: req.body?.minutes || undefined });
      back(res, id, 'capture-started');
    });
    router.post('/permissions/:id/capture/stop', async (req, res) => {
      const id = parseId(req.params.id);
      await capture.stop(id);
      back(res, id, 'capture-stopped');
    });
    router.post('/permissions/:id/capture/make-required', async (req, res) => {
      const { p, fields, workflows } = await chosen(req);
      for (const wf of workflows)
        await ctx.deps.workflows.update(
          wf.id,
          withRequiredEnv(wf, mergeRequiredEnv(wf.requiredEnv, fields).requiredEnv),
        );
      res.redirect(303, `${ctx.base(res)}${landing(p, workflows)}?notice=capture-required`);
    });
    router.post('/permissions/:id/capture/map-fields', async (req, res) => {
      const { p, fields, workflows } = await chosen(req);
      const mapped = await mapToRecordFields(
        workflows,
        fields.map((f) => f.name),
      );
      res.redirect(303, `${ctx.base(res)}${landing(p, workflows)}?notice=capture-mapped${mapped > 0 ? '' : '-none'}`);
    });
  }

  return { view, register, forget: capture.forget };
}
