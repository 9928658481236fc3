#!/usr/bin/env node
/**
 * `npm start`: runs the compiled server (dist/main.js), compiling src/ first when dist/ is missing or older than
 * src/, and the console (console/dist) when it is missing or older than console/src, so `npm install && npm start`
 * works from a fresh clone. Runs it in this process: signals reach the
 * server itself, and the node flags given to this script apply to it.
 */
import { ensureBuilt, ensureConsoleBuilt } from './build.mjs';

try {
  await ensureBuilt();
  // The console is served unless ROSTER_CONSOLE=off: then it is not built either.
  if (!/^(off|false|0)$/i.test(process.env.ROSTER_CONSOLE?.trim() ?? '')) await ensureConsoleBuilt();
} catch (error) {
  process.stderr.write(`roster failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
await import('../dist/main.js');
