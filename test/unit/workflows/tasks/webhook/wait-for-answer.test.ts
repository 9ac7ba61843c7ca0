import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noAnswerReason } from '../../../../../module/workflows/tasks/webhook/wait-for-answer.js';

const outcome = (o: object) => ({
  status: 'queued',
  statusCode: null,
  body: null,
  contentType: null,
  error: null,
  ...o,
});

test('why a run has no answer to use, in plain words, for each way a delivery can end', () => {
  assert.match(
    noAnswerReason(outcome({ heldDestination: 'acct.example:443' }), 5000),
    /its destination acct\.example:443 keeps failing and is held/,
  );
  assert.equal(
    noAnswerReason(outcome({ status: 'held' }), 5000),
    'the webhook is disabled: its delivery is held, so there is no answer to wait for',
  );
  assert.equal(
    noAnswerReason(outcome({ status: 'failed', statusCode: 400, error: 'HTTP 400' }), 5000),
    'the delivery failed: HTTP 400',
  );
  assert.match(
    noAnswerReason(outcome({}), 5000),
    /could not be sent within 5000 ms \(its receiver already has as many requests in flight as allowed\); it stays queued/,
  );
  assert.equal(
    noAnswerReason(outcome({ statusCode: 503, error: 'HTTP 503' }), 5000),
    'the receiver answered HTTP 503; the delivery will be retried on its schedule, but this run could not use the answer',
  );
  assert.equal(
    noAnswerReason(outcome({ error: 'timed out (UND_ERR_HEADERS_TIMEOUT)' }), 5000),
    'timed out (UND_ERR_HEADERS_TIMEOUT); the delivery will be retried on its schedule, but this run could not use the answer',
  );
});
