/**
 * What both fault tests stand on: a throw-away MariaDB/MySQL database, the test host installed
 * on it with the fault settings saved (the worker processes read them from the database), a
 * receiver failing `failRate` of requests (or answering as `ReceiverOptions` say), and a data
 * folder for the workers. `settings` are saved over the fault settings.
 * close() removes all of it; stop the fleet (and anything serving the host) first.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestHost, type TestHost } from '../../helpers/test-host.js';
import { createFaultDatabase, type FaultDatabase } from './fault-database.js';
import { createWorkerFleet, type WorkerFleet } from './worker-fleet.js';
import { startReceiver, type Receiver, type ReceiverOptions } from './receiver.js';
import { FAULT_SETTINGS } from './fault-settings.js';
import type { HookflowSettingsPatch } from '../../../module/config.js';

export interface FaultWorld {
  fdb: FaultDatabase;
  h: TestHost;
  receiver: Receiver;
  /** A fleet of `hookflow worker` processes on this database (not started). */
  createFleet(): WorkerFleet;
  /** The workers' HOOKFLOW_DATA_DIR (also usable by a web process). */
  dataDir: string;
  close(): Promise<void>;
}

export async function createFaultWorld(
  serverUrl: string,
  answers: number | ReceiverOptions,
  settings: HookflowSettingsPatch = {},
): Promise<FaultWorld> {
  const fdb = await createFaultDatabase(serverUrl);
  const h = await createTestHost(fdb.db);
  await h.hookflow.services.settings.save({ ...FAULT_SETTINGS, ...settings });
  const receiver = await startReceiver(typeof answers === 'number' ? { failRate: answers } : answers);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-faults-'));
  return {
    fdb,
    h,
    receiver,
    dataDir,
    createFleet: () => createWorkerFleet({ databaseUrl: fdb.url, dataDir }),
    async close() {
      await receiver.close();
      await h.close();
      await fdb.destroy();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
