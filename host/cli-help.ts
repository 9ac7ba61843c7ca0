/**
 * The reference CRM's help text, apart from host/cli.ts so that `crm --help` (bin/crm.js) loads
 * this file alone instead of the CRM and Hookflow with it. Imports nothing.
 */
export const HELP = `Usage: crm <command> [options]      (npm start = crm start)

Commands:
  start              Start the reference CRM with Hookflow installed (the demo)
  worker             Run Hookflow's background worker as its own process against DATABASE_URL
  migrate            Create or upgrade the CRM's and Hookflow's tables, then exit
  rotate-key         Re-seal every stored secret under HOOKFLOW_NEW_SECRET_KEY (stop the CRM and its
                     workers first; a key kept in <data dir>/secret.key is replaced there)
  export [FILE]      Write every workflow as JSON to FILE (default: standard output)
  import FILE        Validate and import workflows from FILE (all or nothing)
  help               Show this help

Configuration comes from the environment (DATABASE_URL, PORT, HOOKFLOW_SECRET_KEY, ...);
see README.md for every variable and its default.`;

/** No command, `help`, `--help` or `-h`. */
export function isHelp(name: string | undefined): boolean {
  return name === undefined || name === 'help' || name === '--help' || name === '-h';
}
