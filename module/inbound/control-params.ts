/**
 * PURE: the short URL's control parameters, read from the raw query string so that nothing a
 * lenient query parser would "fix" gets through: `record_id[]=1`, a repeated parameter,
 * `record_id=1 OR 1=1` and integers beyond 2^53 are all 400s, never a guess.
 *   workflow_id  positive integer       } at most one of the two; neither: the target is the one
 *   trigger      1-64 of [A-Za-z0-9_-]  } permission the presented token belongs to (token-only URL)
 *                (`workflow_trigger` is accepted as Redoo's legacy name of `trigger`)
 *   record_id    0 (no record) or a positive integer; default 0
 *   mode         sync | async; default: the workflow's execution mode
 * Everything else is returned as `extra` (it becomes `$env` only if the permission says so).
 */
import { HookflowError, type FieldErrors } from '../errors.js';

export interface ControlParams {
  workflowId?: number;
  triggerName?: string;
  recordId: number;
  mode?: 'sync' | 'async';
  extra: Record<string, string | string[]>;
}

const CONTROL = ['workflow_id', 'trigger', 'workflow_trigger', 'record_id', 'mode'] as const;
const TRIGGER = /^[A-Za-z0-9_-]{1,64}$/;

function baseName(key: string): string {
  const bracket = key.indexOf('[');
  return bracket === -1 ? key : key.slice(0, bracket);
}

function parseInteger(text: string, allowZero: boolean): number | null {
  const re = allowZero ? /^(0|[1-9][0-9]{0,15})$/ : /^[1-9][0-9]{0,15}$/;
  if (!re.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

function collect(
  search: string,
  fields: FieldErrors,
): { control: Map<string, string>; extra: Record<string, string | string[]> } {
  const control = new Map<string, string>();
  const extra: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(search)) {
    const base = baseName(key) as (typeof CONTROL)[number];
    if (CONTROL.includes(base)) {
      if (key !== base) fields[base] = 'must be a single value, not an array';
      else if (control.has(key)) fields[base] = 'must be given once';
      else control.set(key, value);
    } else if (key !== '') {
      // Own data properties only: `__proto__`, `toString` … are plain names here, never the
      // object's prototype or an inherited method taken for a previous value.
      const prev = Object.hasOwn(extra, key) ? extra[key] : undefined;
      const next = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
      Object.defineProperty(extra, key, { value: next, enumerable: true, writable: true, configurable: true });
    }
  }
  return { control, extra };
}

/** `trigger`, or its legacy name `workflow_trigger` (Redoo); giving both is ambiguous, a 400. */
function triggerOf(control: Map<string, string>, fields: FieldErrors): string | undefined {
  const trigger = control.get('trigger');
  const legacy = control.get('workflow_trigger');
  if (trigger !== undefined && legacy !== undefined) {
    fields.trigger = 'give trigger or workflow_trigger, not both';
    return undefined;
  }
  return trigger ?? legacy;
}

/** True when the query names no workflow or trigger (the token then selects the permission's target). */
export function hasNoTarget(p: Pick<ControlParams, 'workflowId' | 'triggerName'>): boolean {
  return p.workflowId === undefined && p.triggerName === undefined;
}

/** Parses `?workflow_id|trigger&record_id&mode`; a 400 naming every bad parameter. */
export function parseControlParams(search: string): ControlParams {
  const fields: FieldErrors = {};
  const { control, extra } = collect(search.startsWith('?') ? search.slice(1) : search, fields);
  const out: ControlParams = { recordId: 0, extra };
  const wf = control.get('workflow_id');
  const trigger = triggerOf(control, fields);
  if (!fields.workflow_id && !fields.trigger) {
    if (wf !== undefined && trigger !== undefined) fields.workflow_id = 'give workflow_id or trigger, not both';
    else if (wf !== undefined) {
      const id = parseInteger(wf, false);
      if (id === null) fields.workflow_id = 'must be a positive integer';
      else out.workflowId = id;
    } else if (trigger !== undefined) {
      if (!TRIGGER.test(trigger)) fields.trigger = 'must be 1-64 letters, digits, _ or -';
      else out.triggerName = trigger;
    }
  }
  const record = control.get('record_id');
  if (record !== undefined && !fields.record_id) {
    const id = parseInteger(record, true);
    if (id === null) fields.record_id = 'must be 0 (no record) or a positive integer';
    else out.recordId = id;
  }
  const mode = control.get('mode');
  if (mode !== undefined && !fields.mode) {
    if (mode === 'sync' || mode === 'async') out.mode = mode;
    else fields.mode = 'must be sync or async';
  }
  if (Object.keys(fields).length > 0) throw new HookflowError('bad_request', 'Bad control parameters', fields);
  return out;
}

/** The target as the refused-requests log shows it. */
export function describeTarget(p: Pick<ControlParams, 'workflowId' | 'triggerName'>): string {
  if (p.workflowId !== undefined) return `workflow ${p.workflowId}`;
  return p.triggerName !== undefined ? `trigger ${p.triggerName}` : "the token's own target";
}
