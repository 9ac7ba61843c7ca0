/** `hookflow export|import --host FILE`: workflows as JSON, validated before anything is written. */
import fs from 'node:fs';
import type { Io } from './main.js';
import { UsageError, type ParsedArgs } from './args.js';
import { loadHostFile } from './host-file.js';
import { install } from '../install.js';
import { importSummary } from '../workflows/missing-secrets.js';

function readDocument(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

export async function workflowsCommand(command: 'export' | 'import', args: ParsedArgs, io: Io): Promise<void> {
  // Read the input before loading the host: a missing file must not cost a database connection.
  const doc = command === 'import' ? readDocument(args.positionals[0]) : undefined;
  const loaded = await loadHostFile(args.host!);
  try {
    const hf = await install(loaded.host, { ...loaded.options, startWorker: false });
    try {
      if (command === 'import') {
        io.out(importSummary(await hf.services.workflows.importAll(doc, null)));
        return;
      }
      const text = `${JSON.stringify(await hf.services.workflows.exportAll(), null, 2)}\n`;
      if (args.positionals[0]) fs.writeFileSync(args.positionals[0], text);
      else io.out(text.trimEnd());
    } finally {
      await hf.uninstall();
    }
  } finally {
    await loaded.close();
  }
}
