/** The send_email task against fake collaborators (no I/O). */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { sendEmailTask } from '../../../../../module/workflows/tasks/send-email/task.js';
import { fakeContext, validation } from '../fake-context.js';

describe('send_email', () => {
  test('mails the owner with rendered subject; line breaks in the subject cannot inject headers', async () => {
    const { ctx, calls } = fakeContext({ env: { s: 'Hi\r\nBcc: evil@example.com' } });
    await sendEmailTask.run(
      sendEmailTask.options.parse({ to: { kind: 'owner' }, subject: '{{env.s}}', body: 'Body {{record.lastname}}' }),
      ctx,
    );
    const mail = calls[0].args[0] as Record<string, string>;
    assert.equal(mail.to, 'owner@example.com');
    assert.equal(mail.subject, 'Hi Bcc: evil@example.com');
    assert.equal(mail.text, 'Body Old');
  });
  test('templated address must be one valid address; inactive users refused; HTML escapes values', async () => {
    const inj = fakeContext({ env: { to: 'a@example.com\r\nBcc: b@example.com' } });
    await assert.rejects(
      sendEmailTask.run(
        sendEmailTask.options.parse({ to: { kind: 'address', address: '{{env.to}}' }, subject: 's', body: 'b' }),
        inj.ctx,
      ),
      /recipient address/,
    );
    const two = fakeContext({ env: { to: 'a@example.com, b@example.com' } });
    await assert.rejects(
      sendEmailTask.run(
        sendEmailTask.options.parse({ to: { kind: 'address', address: '{{env.to}}' }, subject: 's', body: 'b' }),
        two.ctx,
      ),
      /recipient address/,
    );
    const gone = fakeContext();
    await assert.rejects(
      sendEmailTask.run(
        sendEmailTask.options.parse({ to: { kind: 'user', userId: 4 }, subject: 's', body: 'b' }),
        gone.ctx,
      ),
      /not active/,
    );
    const html = fakeContext({ env: { name: '<script>x</script>' } });
    await sendEmailTask.run(
      sendEmailTask.options.parse({ to: { kind: 'owner' }, subject: 's', body: '<p>{{env.name}}</p>', html: true }),
      html.ctx,
    );
    assert.equal((html.calls[0].args[0] as Record<string, string>).html, '<p>&lt;script&gt;x&lt;/script&gt;</p>');
    assert.deepEqual(
      sendEmailTask.validate!(
        sendEmailTask.options.parse({ to: { kind: 'address', address: 'not-an-address' }, subject: 's', body: 'b' }),
        validation(),
      ),
      { 'to.address': 'is not a single valid email address' },
    );
  });
});
