#!/usr/bin/env node
// Runs the compiled CLI (dist/cli/main.js), compiling src/ first when dist/ is missing or older than src/.
import { ensureBuilt } from '../scripts/build.mjs';

try {
  await ensureBuilt();
} catch (error) {
  process.stderr.write(`roster: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
await import('../dist/cli/main.js');
