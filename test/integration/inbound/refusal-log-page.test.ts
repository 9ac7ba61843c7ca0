/** The HTTP access page shows how many more refusals an entry stands for (issue 14). */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachEngine } from '../../helpers/engines.js';
import { ADMIN, FormClient, startAdminHost, type AdminHost } from '../../helpers/admin-host.js';

describeEachEngine('admin HTTP access page: refused requests', (tdb) => {
  let t: AdminHost;
  let client: FormClient;
  before(async () => {
    t = await startAdminHost(tdb().db);
    client = await new FormClient(t.url).login(t.admin.email, t.admin.password);
  });
  after(async () => {
    await t?.close();
  });

  test('one line per refusal kind, with "and N more like this"', async () => {
    for (let i = 0; i < 4; i++) {
      const r = await fetch(`${t.url}/wf?trigger=nosuchtrigger&record_id=0`, {
        method: 'POST',
        body: new URLSearchParams({ a: '1' }),
      });
      assert.equal(r.status, 403);
    }
    const page = await client.get(`${ADMIN}/permissions`);
    assert.equal(
      page.text.match(/data-label="Target">trigger nosuchtrigger</g)?.length,
      1,
      'one line for the four refusals',
    );
    assert.match(
      page.text,
      /<span class="muted nowrap" data-repeats="3">— and 3 more like this, the latest at <time datetime="[^"]+">/,
    );
  });
});
