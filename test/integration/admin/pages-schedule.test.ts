/**
 * The schedule part of the workflow form over real HTTP: a cron that does not parse and a
 * relative schedule on a non-date field are named next to their inputs (values kept, nothing
 * saved); a good relative schedule is stored, and the workflow page shows its "Next run at"
 * once a record is saved with the date.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { ADMIN, FormClient, startAdminHost, type AdminHost } from '../../helpers/admin-host.js';

describeEachEngine('admin pages: schedules', (tdb) => {
  let t: AdminHost;
  let client: FormClient;
  before(async () => {
    t = await startAdminHost(tdb().db);
    client = await new FormClient(t.url).login(t.admin.email, t.admin.password);
  });
  after(async () => {
    await t?.close();
  });

  const form = (schedule: Record<string, string>) => ({
    module: 'Deals',
    title: 'Remind before closing',
    trigger: 'schedule',
    status: 'active',
    join: 'all',
    runMode: 'every_event',
    execMode: 'sync',
    scheduleTimeZone: 'Europe/Berlin',
    ...schedule,
  });
  const submit = (fields: Record<string, string>) =>
    client.submit(`${ADMIN}/workflows/new?module=Deals`, `${ADMIN}/workflows`, fields);

  test('bad cron and a non-date field are named next to their inputs; a good schedule is stored and shows its next run', async () => {
    const stored = (await t.host.hookflow.services.store.list()).length;
    const badCron = await submit(form({ scheduleKind: 'cron', scheduleCron: '0 25 * * *' }));
    assert.equal(badCron.status, 422);
    assert.match(badCron.text, /id="scheduleCron-error"[^>]*>does not parse/);
    assert.ok(badCron.text.includes('value="0 25 * * *"'), 'the cron is kept');
    const notDate = await submit(
      form({
        scheduleKind: 'relative',
        scheduleAmount: '2',
        scheduleUnit: 'days',
        scheduleDirection: 'before',
        scheduleField: 'amount',
      }),
    );
    assert.equal(notDate.status, 422);
    assert.match(notDate.text, /id="scheduleField-error"[^>]*>amount is a number field, not a date/);
    assert.equal((await t.host.hookflow.services.store.list()).length, stored, 'nothing was saved');

    const ok = await submit(
      form({
        scheduleKind: 'relative',
        scheduleAmount: '2',
        scheduleUnit: 'days',
        scheduleDirection: 'before',
        scheduleField: 'close_date',
      }),
    );
    assert.equal(ok.status, 303);
    const id = Number(/\/workflows\/(\d+)\?notice=created$/.exec(ok.location ?? '')?.[1]);
    const wf = await t.host.hookflow.services.store.require(id);
    assert.deepEqual(wf.schedule, {
      kind: 'relative',
      field: 'close_date',
      amount: 2,
      unit: 'days',
      direction: 'before',
      timeZone: 'Europe/Berlin',
    });
    const before = await client.get(`${ADMIN}/workflows/${id}`);
    assert.match(before.text, /data-next-run>No run planned/);
    assert.match(before.text, /<option value="relative" selected>/);
    await t.host.services.records.create(
      'Deals',
      { title: 'Later', close_date: '2099-01-10' },
      { actorUserId: t.admin.id },
    );
    const page = await client.get(`${ADMIN}/workflows/${id}`);
    // Two days before midnight of 10 January in Berlin: 7 January, 23:00 UTC.
    assert.match(page.text, /data-next-run>Next run at <time datetime="2099-01-07T23:00:00.000Z">/);
    // Adding a task saves the workflow again: its schedule is kept.
    const add = await client.submit(
      `${ADMIN}/workflows/${id}/tasks/new?type=set_env`,
      `${ADMIN}/workflows/${id}/tasks`,
      {
        type: 'set_env',
        title: 'Prepare',
        envName: ['total', ''],
        envValue: ['{{record.amount}}', ''],
      },
    );
    assert.equal(add.status, 303);
    const saved = await t.host.hookflow.services.store.require(id);
    assert.equal(saved.tasks.length, 1);
    assert.deepEqual(saved.schedule, wf.schedule);
  });
});
