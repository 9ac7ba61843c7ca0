/**
 * The record-save path: what the module's hook adds to a host save, and how long an event takes
 * from the save to the webhook request arriving at the receiver.
 */
import type { BenchHost } from './host.js';
import type { Receiver } from './receiver.js';

export interface SaveTimings {
  installed: number[];
  uninstalled: number[];
}

/**
 * Times `records.update` with the hook bound (an active workflow matches and queues a run) and
 * unbound (`setHooks(null)`: the module uninstalled), alternating blocks of `block` saves so
 * drift (cache, table growth, other load) hits both sides alike. The worker is NOT running:
 * this is the cost inside the host's transaction, not background work competing for the CPU.
 */
export async function timeSaves(host: BenchHost, recordId: number, rounds: number, block = 50): Promise<SaveTimings> {
  const out: SaveTimings = { installed: [], uninstalled: [] };
  let i = 0;
  const saveInto = async (into: number[] | null) => {
    const started = performance.now();
    await host.records.update('Deals', recordId, { title: `save ${i++}` }, { actorUserId: host.admin.id });
    into?.push(performance.now() - started);
  };
  host.records.setHooks(null);
  for (let w = 0; w < block; w++) await saveInto(null); // warm-up, both paths
  host.records.setHooks(host.hookflow.hooks);
  for (let w = 0; w < block; w++) await saveInto(null);
  for (let r = 0; r < rounds; r++) {
    const installed = r % 2 === 0;
    host.records.setHooks(installed ? host.hookflow.hooks : null);
    for (let k = 0; k < block; k++) await saveInto(installed ? out.installed : out.uninstalled);
  }
  host.records.setHooks(host.hookflow.hooks);
  return out;
}

/**
 * Event-to-request latency: one save at a time (worker running, woken by the hook after
 * commit), from just before `records.update` to the request's arrival at the receiver.
 */
export async function timeEventToRequest(
  host: BenchHost,
  recordId: number,
  receiver: Receiver,
  n: number,
): Promise<number[]> {
  const latencies: number[] = [];
  host.hookflow.worker.start();
  try {
    for (let i = 0; i < n; i++) {
      const arrival = receiver.nextArrival();
      const started = performance.now();
      await host.records.update('Deals', recordId, { title: `event ${i}` }, { actorUserId: host.admin.id });
      latencies.push((await arrival) - started);
    }
  } finally {
    await host.hookflow.worker.stop();
  }
  return latencies;
}
