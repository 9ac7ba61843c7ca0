/**
 * What both fault tests stand on: a throw-away MariaDB/MySQL database, the test host installed
 * on it with the fault settings saved (the worker processes read them from the database), a
 * receiver failing `failRate` of requests, and a data folder for the workers.
 * close() removes all of it; stop the fleet (and anything serving the host) first.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { createFaultDatabase, type FaultDatabase } from './fault-database.js';
import { createWorkerFleet, type WorkerFleet } from './worker-fleet.js';
import { startReceiver, type Receiver } from './receiver.js';
import { FAULT_SETTINGS } from './fault-settings.js';

export interface FaultWorld {
  fdb: FaultDatabase;
  h: TestHost;
  receiver: Receiver;
  /** A fleet of `hookflow worker` processes on this database (not started). */
  createFleet(): WorkerFleet;
  close(): Promise<void>;
}

export async function createFaultWorld(serverUrl: string, failRate: number): Promise<FaultWorld> {
  const fdb = await createFaultDatabase(serverUrl);
  const h = await createTestHost(fdb.db);
  await h.hookflow.services.settings.save(FAULT_SETTINGS);
  const receiver = await startReceiver({ failRate });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-faults-'));
  return {
    fdb,
    h,
    receiver,
    createFleet: () => createWorkerFleet({ databaseUrl: fdb.url, dataDir }),
    async close() {
      await receiver.close();
      await h.close();
      await fdb.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
