/**
 * The workflow form as rendered by the real templates: only what applies to the chosen trigger
 * is live (shown and posted); the rest is there for the script, hidden and disabled. Values that
 * a save would drop are named, and a part with an error is never hidden. Errors carry the
 * field's label ("Title is required"). The webhook form's are in workflows/tasks/webhook/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModuleInfo } from '../../../module/host.js';
import {
  blankWorkflowValues,
  keepApplicable,
  valuesFromForm,
  workflowFormView,
} from '../../../module/admin/pages/workflow-form.js';
import { fieldErrors, liveNames } from './form-html.js';
import { pageRenderer } from './render-page.js';

const deals: ModuleInfo = { name: 'Deals', label: 'Deals', fields: [{ name: 'title', label: 'Title', type: 'text' }] };
const html = pageRenderer();

function workflowPage(values: ReturnType<typeof blankWorkflowValues>, errors: Record<string, string> = {}): string {
  return html('workflow-new', {
    form: workflowFormView(values, deals, errors),
    formError: Object.keys(errors).length > 0,
  });
}

test('workflow: trigger name, answer mode and required $env fields are live only for the http trigger', () => {
  for (const trigger of ['record.created', 'record.updated', 'record.saved', 'record.deleted', 'http']) {
    const live = liveNames(workflowPage({ ...blankWorkflowValues('Deals'), trigger }));
    for (const name of ['triggerName', 'execMode', 'envName', 'envType', 'envRequired'])
      assert.equal(live.has(name), trigger === 'http', `${trigger}: ${name}`);
    for (const name of ['title', 'trigger', 'status', 'runMode', 'condField'])
      assert.ok(live.has(name), `${trigger}: ${name}`);
  }
});

test('workflow: HTTP-only values are named before a save drops them, and keepApplicable drops and lists them', () => {
  const v = {
    ...blankWorkflowValues('Deals'),
    trigger: 'record.updated',
    triggerName: 'leadform',
    execMode: 'async',
    requiredEnv: [{ name: 'email', type: 'email', required: 'required' }],
  };
  assert.match(
    workflowPage(v),
    /Only HTTP calls use trigger name “leadform”, the async answer mode, 1 required \$env field: saving with this trigger removes them/,
  );
  const kept = keepApplicable(v);
  assert.deepEqual(kept.dropped, ['triggerName', 'execMode', 'requiredEnv']);
  assert.deepEqual([kept.values.triggerName, kept.values.execMode, kept.values.requiredEnv], ['', 'sync', []]);
  assert.deepEqual(keepApplicable({ ...v, trigger: 'http' }).dropped, [], 'the http trigger keeps them');
  const stored = { triggerName: 'old', execMode: 'sync', requiredEnv: [] } as never;
  assert.deepEqual(
    keepApplicable({ ...blankWorkflowValues('Deals') }, stored).dropped,
    ['triggerName'],
    'a stored trigger name counts',
  );
  assert.deepEqual(keepApplicable({ ...blankWorkflowValues('Deals') }).dropped, [], 'nothing set, nothing to report');
});

test('workflow: an error on an HTTP-only field shows it, whatever the trigger; errors read "Label message"', () => {
  const values = valuesFromForm({ title: '', trigger: 'record.updated', triggerName: 'bad name!' }, 'Deals');
  const page = workflowPage(values, {
    title: 'is required',
    triggerName: 'must be 1-64 letters, digits, _ or -',
    trigger: 'unknown trigger x',
  });
  assert.ok(liveNames(page).has('triggerName'));
  assert.deepEqual(fieldErrors(page), [
    'Title is required',
    'unknown trigger x',
    'Trigger name must be 1-64 letters, digits, _ or -',
  ]);
  assert.match(
    page,
    /<span id="title-error">is required<\/span>/,
    'the message keeps its own element (aria-describedby)',
  );
});
