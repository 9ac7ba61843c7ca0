/**
 * Everything the reference host writes into its data directory is owner-only when the host
 * creates it: the folder, secret.key, demo-credentials.json, the SQLite file with its -wal and
 * -shm (checked while the server runs, when they exist), and the mail folder with its .eml
 * files. Runs under umask 022 (the usual default), where a file created without an explicit
 * mode would be 0644 and a folder 0755.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadHostConfig, type HostConfig } from '../../../host/config.js';
import { startServer, type RunningServer } from '../../../host/server.js';
import { waitFor } from '../../helpers/wait.js';
import { createFakeInstaller } from './harness.js';

function modeOf(file: string): string {
  return (fs.statSync(file).mode & 0o777).toString(8);
}

/** A scratch root, umask 022 and one cleanup hook (so the server stops before its files go). */
function scratch(t: TestContext): { root: string; keep(server: RunningServer): RunningServer } {
  const previousUmask = process.umask(0o022);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hookflow-modes-'));
  let running: RunningServer | undefined;
  t.after(async () => {
    await running?.close();
    fs.rmSync(root, { recursive: true, force: true });
    process.umask(previousUmask);
  });
  return { root, keep: (server) => (running = server) };
}

const start = (config: HostConfig) =>
  startServer(config, { installer: createFakeInstaller().installer, print: () => undefined, handleSignals: false });

/** Sends one mail through the host's own file mailer; returns the .eml path. */
async function sendMail(server: RunningServer, config: HostConfig): Promise<string> {
  const sent = (await server.host.services.mailer.sendMail({
    from: config.mailFrom,
    to: 'ada@example.com',
    subject: 'Mode check',
    text: 'hello',
  })) as { file?: string };
  assert.ok(sent.file, 'the file mailer wrote an .eml');
  return sent.file;
}

test('a first start creates every data file and folder owner-only', async (t) => {
  const { root, keep } = scratch(t);
  const dataDir = path.join(root, 'data'); // does not exist yet: the host creates it
  // No HOOKFLOW_SECRET_KEY: the key is generated into the data dir, as on a first `npm start`.
  const config = loadHostConfig({
    DATABASE_URL: `sqlite:${path.join(dataDir, 'hookflow.sqlite')}`,
    HOOKFLOW_DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'silent',
  });
  const server = keep(await start(config));
  const eml = await sendMail(server, config);
  const db = path.join(dataDir, 'hookflow.sqlite');
  await waitFor(
    'the SQLite -wal and -shm files',
    10_000,
    () => fs.existsSync(`${db}-wal`) && fs.existsSync(`${db}-shm`),
  );

  const modes = Object.fromEntries(
    [
      ['data dir', dataDir],
      ['secret.key', path.join(dataDir, 'secret.key')],
      ['demo-credentials.json', path.join(dataDir, 'demo-credentials.json')],
      ['sqlite', db],
      ['sqlite -wal', `${db}-wal`],
      ['sqlite -shm', `${db}-shm`],
      ['mail dir', path.join(dataDir, 'mail')],
      ['.eml', eml],
    ].map(([name, file]) => [name, modeOf(file)]),
  );
  assert.deepEqual(modes, {
    'data dir': '700',
    'secret.key': '600',
    'demo-credentials.json': '600',
    sqlite: '600',
    'sqlite -wal': '600',
    'sqlite -shm': '600',
    'mail dir': '700',
    '.eml': '600',
  });
});

test('with the key from the environment and the database elsewhere, the demo credentials create the folder owner-only', async (t) => {
  const { root, keep } = scratch(t);
  const dataDir = path.join(root, 'data');
  const config = loadHostConfig({
    DATABASE_URL: `sqlite:${path.join(root, 'hookflow.sqlite')}`,
    HOOKFLOW_DATA_DIR: dataDir,
    HOOKFLOW_SECRET_KEY: 'c'.repeat(64),
    PORT: '0',
    LOG_LEVEL: 'silent',
  });
  assert.equal(fs.existsSync(dataDir), false, 'nothing before start-up created it');
  const server = keep(await start(config));
  const eml = await sendMail(server, config);
  assert.deepEqual(
    {
      dir: modeOf(dataDir),
      credentials: modeOf(path.join(dataDir, 'demo-credentials.json')),
      mail: modeOf(path.join(dataDir, 'mail')),
      eml: modeOf(eml),
    },
    { dir: '700', credentials: '600', mail: '700', eml: '600' },
  );
});
