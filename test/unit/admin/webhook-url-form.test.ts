/** The webhook form carries urlFromData both ways. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TASK_FORMS } from '../../../module/admin/pages/task-forms.js';
import { createTaskRegistry } from '../../../module/workflows/tasks/index.js';

test('the "whole URL is one value" box becomes urlFromData and comes back checked', () => {
  const def = createTaskRegistry().get('webhook')!;
  const on = def.options.parse(TASK_FORMS.webhook.fromBody({ url: '{{env.callback}}', urlFromData: '1', method: 'POST', contentType: 'JSON', auth: 'none' }).options) as { urlFromData: boolean };
  assert.equal(on.urlFromData, true);
  assert.equal(TASK_FORMS.webhook.fromOptions(on).urlFromData, true);
  const off = def.options.parse(TASK_FORMS.webhook.fromBody({ url: 'https://a.example/{{env.x}}', method: 'POST', contentType: 'JSON', auth: 'none' }).options) as { urlFromData: boolean };
  assert.equal(off.urlFromData, false);
});
