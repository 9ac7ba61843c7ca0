/**
 * The host tests' view of the shared per-engine databases (test/helpers/engines.ts), plus a
 * scratch folder per database for the host's data dir (secret key, mail, credentials).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  availableEngines,
  createTestDatabase as createShared,
  type EngineName,
  type TestDatabase as Shared,
} from '../../helpers/engines.js';

export type { EngineName };

export interface TestDatabase extends Pick<Shared, 'engine' | 'db' | 'url'> {
  /** A scratch data folder, removed by cleanup(). */
  dir: string;
  cleanup(): Promise<void>;
}

export function testEngines(): EngineName[] {
  return availableEngines();
}

export async function createTestDatabase(engine: EngineName): Promise<TestDatabase> {
  const shared = await createShared(engine);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-host-'));
  return {
    engine,
    db: shared.db,
    url: shared.url,
    dir,
    async cleanup() {
      await shared.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
