/** The secret key check at install, and rotating the key (every secret re-sealed, all or nothing). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describeEachEngine } from '../../helpers/engines.js';
import { createTestContext } from '../../helpers/test-host.js';
import { install, rotateKey } from '../../../module/index.js';

const keyA = randomBytes(32).toString('hex');
const keyB = randomBytes(32).toString('hex');
const signing = `whsec_${Buffer.alloc(24, 9).toString('base64')}`;

describeEachEngine('secret key check', (tdb) => {
  async function installWith(key: string) {
    const { context } = await createTestContext(tdb().db);
    return install(context, { secretKey: key, startWorker: false });
  }

  /** Each test starts from a database whose secrets are sealed under keyA (order-independent). */
  async function sealedUnderA(): Promise<void> {
    const hf = await installWith(keyA).catch(async () => {
      // A previous test left another key recorded: start over.
      await tdb().db('hookflow_key_check').delete();
      await tdb().db('hookflow_tasks').delete();
      return installWith(keyA);
    });
    await hf.services.store.list({}).then((all) => Promise.all(all.map((w) => hf.services.store.remove(w.id))));
    await hf.services.workflows.create(
      {
        module: 'Deals',
        title: 'k',
        trigger: 'record.created',
        tasks: [
          {
            type: 'webhook',
            title: 'w',
            options: { url: 'https://example.com/h', sign: true },
            secrets: { signingSecret: signing },
          },
        ],
      },
      null,
    );
    await hf.uninstall();
  }

  test('the first start records the key; a start with another key stops with one line naming HOOKFLOW_SECRET_KEY', async () => {
    await sealedUnderA();
    const row = await tdb().db('hookflow_key_check').first();
    assert.match(String(row.check_value), /^[0-9a-f]{64}$/);
    assert.ok(!String(row.check_value).includes(keyA), 'the key itself is never stored');
    await assert.rejects(installWith(keyB), (err: Error) => {
      assert.equal(err.message.split('\n').length, 1);
      assert.match(err.message, /HOOKFLOW_SECRET_KEY/);
      assert.match(err.message, /rotate-key/);
      return true;
    });
    await (await installWith(keyA)).uninstall();
  });

  test('a database from before the check proves the key by opening a stored secret', async () => {
    await sealedUnderA();
    await tdb().db('hookflow_key_check').delete();
    await assert.rejects(installWith(keyB), /not the key this database's secrets were sealed with/);
    assert.equal((await tdb().db('hookflow_key_check').count({ n: '*' }))[0].n, 0, 'a refused key is not recorded');
    await (await installWith(keyA)).uninstall();
    assert.equal((await tdb().db('hookflow_key_check').count({ n: '*' }))[0].n, 1);
  });

  test('rotateKey re-seals every secret under the new key; the old one is then refused', async () => {
    await sealedUnderA();
    await assert.rejects(rotateKey(tdb().db, { from: keyB, to: keyA }), /not the key/, 'the current key must be right');
    await assert.rejects(rotateKey(tdb().db, { from: keyA, to: keyA }), /the new key is the current key/);
    await assert.rejects(rotateKey(tdb().db, { from: keyA, to: 'short' }), /the new key: secret key must be 32 bytes/);
    const { resealed } = await rotateKey(tdb().db, { from: keyA, to: keyB });
    assert.equal(resealed, 1);
    await assert.rejects(installWith(keyA), /not the key/);
    const hf = await installWith(keyB);
    try {
      const [wf] = await hf.services.store.list({});
      assert.deepEqual(
        hf.services.store.openSecrets(wf.tasks[0]),
        { signingSecret: signing },
        'the secret opens under the new key',
      );
    } finally {
      await hf.uninstall();
    }
  });
});
