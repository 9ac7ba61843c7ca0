/**
 * The work of the runs fault test: two workflows that each queue one webhook delivery per run,
 * and the producers that start runs while the faults happen — async inbound requests (a run
 * counts once answered 202) and record updates (a run counts once the save committed).
 * Production is paced over `produceMs`, so faults hit both accepting and executing.
 */
import type { TestHost } from '../../helpers/test-host.js';
import type { InboundServer } from '../../helpers/inbound-server.js';
import type { ExpectedRuns } from './verify-runs.js';
import { sleep } from '../../helpers/wait.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export interface ProducerOptions {
  h: TestHost;
  inbound: InboundServer;
  /** Where the workflows' webhook tasks send. */
  receiverUrl: string;
  seed: number;
  inboundRequests: number;
  deals: number;
  updatesPerDeal: number;
  produceMs: number;
}

export interface RunProducers {
  /** What was accepted and committed so far. */
  expected: ExpectedRuns;
  /** Inbound requests not answered 202 (should stay empty). */
  refused: string[];
  /** Saves rolled back as deadlock victims and made again (each one a save a user saw fail). */
  readonly saveDeadlocks: number;
  readonly total: number;
  /** Creates the workflows and the inbound permission. */
  setUp(): Promise<void>;
  /** Sends every request and makes every update, paced; resolves when all are done. */
  produce(): Promise<void>;
}

export function createRunProducers(o: ProducerOptions): RunProducers {
  const expected: ExpectedRuns = {
    accepted: new Map(),
    committed: new Set(),
    inboundWorkflowId: 0,
    recordWorkflowId: 0,
  };
  const refused: string[] = [];
  let saveDeadlocks = 0;
  const pace = (t0: number, i: number, n: number) => sleep(Math.max(0, t0 + (o.produceMs * i) / n - Date.now()));

  async function postInbound(t0: number): Promise<void> {
    for (let seq = 0; seq < o.inboundRequests; seq++) {
      await pace(t0, seq, o.inboundRequests);
      // Half the requests carry an Idempotency-Key: the run and the stored answer commit together.
      const headers = seq % 2 === 0 ? { ...FORM, 'idempotency-key': `fault-${o.seed}-${seq}` } : FORM;
      const r = await o.inbound.post(`?workflow_id=${expected.inboundWorkflowId}&record_id=0`, {
        body: `seq=${seq}`,
        headers,
      });
      if (r.status === 202) expected.accepted.set(Number(r.json.run_id), String(seq));
      else refused.push(`seq ${seq}: ${r.status} ${r.text.slice(0, 200)}`);
    }
  }

  /**
   * A save rolled back as a deadlock victim committed nothing (verifyRuns fails on a run
   * without a committed change); like any MySQL client, the host saves again.
   */
  async function saveRetryingDeadlocks(save: () => Promise<unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await save();
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== 'ER_LOCK_DEADLOCK' || attempt >= 3) throw err;
        saveDeadlocks += 1;
      }
    }
  }

  async function updateDeals(t0: number): Promise<void> {
    const { h } = o;
    const deals = [];
    for (let d = 0; d < o.deals; d++)
      deals.push(
        await h.records.create(
          'Deals',
          { title: `Deal ${d}`, amount: 0 },
          { actorUserId: h.admin.id, ownerUserId: h.admin.id },
        ),
      );
    await Promise.all(
      deals.map(async (deal, d) => {
        for (let u = 1; u <= o.updatesPerDeal; u++) {
          await pace(t0, (u - 1) * o.deals + d, o.updatesPerDeal * o.deals);
          await saveRetryingDeadlocks(() =>
            h.records.update('Deals', deal.id, { amount: u }, { actorUserId: h.admin.id }),
          );
          expected.committed.add(`${deal.id}:${u}`); // only once the save (and its run row) committed
        }
      }),
    );
  }

  return {
    expected,
    refused,
    get saveDeadlocks() {
      return saveDeadlocks;
    },
    total: o.inboundRequests + o.deals * o.updatesPerDeal,
    async setUp() {
      const wf = o.h.hookflow.services.workflows;
      const webhook = (params: Array<{ name: string; value: string }>) => ({
        type: 'webhook',
        title: 'notify',
        options: { url: `${o.receiverUrl}/runs`, params },
      });
      expected.inboundWorkflowId = (
        await wf.create(
          {
            module: 'Leads',
            title: 'Inbound async',
            status: 'active',
            trigger: 'http',
            execMode: 'async',
            tasks: [webhook([{ name: 'seq', value: '{{env.seq}}' }])],
          },
          o.h.admin.id,
        )
      ).id;
      expected.recordWorkflowId = (
        await wf.create(
          {
            module: 'Deals',
            title: 'Every deal update',
            status: 'active',
            trigger: 'record.updated',
            tasks: [
              webhook([
                { name: 'deal', value: '{{record.id}}' },
                { name: 'amount', value: '{{record.amount}}' },
              ]),
            ],
          },
          o.h.admin.id,
        )
      ).id;
      await o.h.hookflow.services.permissions.create({
        title: 'fault test',
        workflowId: expected.inboundWorkflowId,
        sources: '127.0.0.1',
      });
    },
    async produce() {
      const t0 = Date.now();
      await Promise.all([postInbound(t0), updateDeals(t0)]);
    },
  };
}
