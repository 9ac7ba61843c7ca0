/** `hookflow worker --host FILE`: one worker process; SIGTERM/SIGINT stop it after in-flight work. */
import type { Io } from './main.js';
import type { ParsedArgs } from './args.js';
import { loadHostFile } from './host-file.js';
import { runWorker } from '../run-worker.js';

export async function workerCommand(args: ParsedArgs, io: Io): Promise<void> {
  const loaded = await loadHostFile(args.host!);
  try {
    const running = await runWorker(loaded.host, { ...loaded.options, healthPort: args.healthPort });
    io.out(
      `hookflow worker ${running.workerId} running${running.healthUrl ? `; health at ${running.healthUrl}` : ''}; SIGTERM or Ctrl-C to stop`,
    );
    await running.stopped;
    io.out('hookflow worker stopped');
  } finally {
    await loaded.close();
  }
}
