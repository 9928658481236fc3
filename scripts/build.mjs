#!/usr/bin/env node
/**
 * `npm run build`: type-checks src/ and compiles it to dist/ with tsc (tsconfig.build.json), then copies the
 * files the code reads at run time (every file under src/ that is not TypeScript).
 *
 * As a module, `ensureBuilt()` is what `npm start`, `bin/roster.js` and the e2e tests call: it compiles only when
 * dist/ is missing or src/ changed since dist/ was built, and then without type-checking (as tsx ran src/ before:
 * type errors are `npm run typecheck`'s job, not a reason to refuse to start). A lock directory makes concurrent
 * callers (a server and a CLI started together, test workers) build once: the others wait and find dist/ fresh.
 *
 * Plain JavaScript on purpose: it must run before anything is compiled, with no dev dependency but TypeScript.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');
export const DIST = join(ROOT, 'dist');
/** Written last: dist/ without it is a build that did not finish. */
const STAMP = join(DIST, '.build-stamp.json');
const LOCK = join(ROOT, 'dist.lock');
/** Files besides src/ whose change changes the output. */
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json'];
/** A lock older than this is left over from a build that was killed. */
const STALE_LOCK_MS = 5 * 60_000;

/** Every file under `dir`, relative to ROOT, sorted. */
function filesUnder(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile()) out.push(relative(ROOT, path));
  }
  return out.sort();
}

/**
 * A digest of the build's inputs: every source file's path, size and modification time. Any file added, removed,
 * renamed or touched changes it, so dist/ is rebuilt when it is older than any file in src/ (and when a file was
 * deleted, which a newest-mtime comparison would miss).
 */
export function sourceFingerprint() {
  const hash = createHash('sha256');
  // The SDK's sources too: dist/sdk is compiled from them (the CLI's remote commands run on it).
  const sdkSources = existsSync(SDK_SRC) ? filesUnder(SDK_SRC) : [];
  for (const file of [...filesUnder(SRC), ...sdkSources, ...CONFIGS.filter((f) => existsSync(join(ROOT, f)))]) {
    const stat = statSync(join(ROOT, file));
    hash.update(`${file}\0${stat.size}\0${stat.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/** True when dist/ is missing, unfinished, or built from other sources than src/ holds now. */
export function isBuildStale() {
  try {
    return JSON.parse(readFileSync(STAMP, 'utf8')).fingerprint !== sourceFingerprint();
  } catch {
    return true;
  }
}

function tscPath() {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  } catch {
    throw new Error(
      'dist/ is missing or older than src/, and TypeScript is not installed to build it: run `npm install` (with dev dependencies), then `npm run build`',
    );
  }
}

/**
 * Compiles src/ into a fresh dist/ and copies the non-TypeScript files. `check: false` skips type-checking
 * (transpiles only, several times faster). Throws when tsc fails; dist/ then has no stamp and counts as stale.
 */
export function build({ check = true } = {}) {
  // Taken before compiling: a file edited during the build leaves dist/ stale, not falsely fresh.
  const fingerprint = sourceFingerprint();
  const tsc = tscPath();
  rmSync(DIST, { recursive: true, force: true });
  const args = [tsc, '-p', join(ROOT, 'tsconfig.build.json'), ...(check ? [] : ['--noCheck'])];
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    throw new Error(`tsc failed (${result.status ?? result.signal ?? result.error?.message}): dist/ was not built`);
  }
  for (const file of filesUnder(SRC)) {
    if (file.endsWith('.ts')) continue;
    const target = join(DIST, relative('src', file));
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(ROOT, file), target);
  }
  compileSdkForCli(tsc);
  buildSdk();
  writeFileSync(STAMP, `${JSON.stringify({ fingerprint, checked: check, builtAt: new Date().toISOString() })}\n`);
}

const SDK = join(ROOT, 'packages', 'sdk');
const SDK_SRC = join(SDK, 'src');

/**
 * Compiles the SDK's sources to dist/sdk (ESM, no declarations) with the same tsc as src/: the compiled CLI's
 * remote commands load it from there, so they work without the workspace's tsup (the npm package's own build,
 * below, which an install without the workspace's dev dependencies lacks).
 */
function compileSdkForCli(tsc) {
  if (!existsSync(join(SDK_SRC, 'index.ts'))) return;
  const args = [
    tsc,
    '--ignoreConfig',
    '--outDir',
    join(DIST, 'sdk'),
    '--rootDir',
    SDK_SRC,
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--target',
    'es2022',
    '--lib',
    'es2022,dom',
    '--rewriteRelativeImportExtensions',
    '--verbatimModuleSyntax',
    '--skipLibCheck',
    // Type-checked by the SDK's own tsc (its tsconfig) and by the tests that import it; here it is only transpiled.
    '--noCheck',
    join(SDK_SRC, 'index.ts'),
    join(SDK_SRC, 'tokens.ts'),
  ];
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`tsc failed on packages/sdk (${result.status ?? result.signal}): dist/sdk was not built`);
}

/**
 * Builds packages/sdk (tsup, with the TypeScript 5 the workspace installs) when its dist/ is missing or older than
 * its sources: the package as npm would publish it (ESM, CJS, declarations). Skipped, with a note, when the
 * workspace's dev dependencies are not installed.
 */
function buildSdk() {
  const dist = join(SDK, 'dist', 'index.js');
  const newest = Math.max(...filesUnder(join(SDK, 'src')).map((f) => statSync(join(ROOT, f)).mtimeMs));
  if (existsSync(dist) && statSync(dist).mtimeMs >= newest) return;
  let tsup;
  try {
    tsup = createRequire(join(SDK, 'package.json')).resolve('tsup/dist/cli-default.js');
  } catch {
    // The CLI does not need it (dist/sdk); only publishing the package does.
    process.stderr.write('roster: packages/sdk/dist (the npm package) not built: tsup is not installed\n');
    return;
  }
  const result = spawnSync(process.execPath, [tsup, '--silent'], { cwd: SDK, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`tsup failed (${result.status ?? result.signal}): packages/sdk was not built`);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether the lock was left by a process that is gone (killed while building) or is far too old. */
function lockAbandoned() {
  const age = Date.now() - statSync(LOCK).mtimeMs;
  if (age > STALE_LOCK_MS) return true;
  let pid;
  try {
    pid = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
  } catch {
    // Between the holder's mkdir and its pid file, or a holder that died in between.
    return age > 10_000;
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return error.code === 'ESRCH';
  }
}

/** Takes the build lock (an atomic mkdir), waiting while another live process holds it. */
async function acquireLock() {
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    try {
      if (lockAbandoned()) rmSync(LOCK, { recursive: true, force: true });
    } catch {
      // released meanwhile
    }
    await sleep(100);
  }
}

/**
 * Builds dist/ (without type-checking) when it is stale; returns whether it built. Safe to call from several
 * processes at once. Throws when the build fails or TypeScript is not installed.
 */
export async function ensureBuilt() {
  if (!isBuildStale()) return false;
  await acquireLock();
  try {
    // Another process may have built it while this one waited.
    if (!isBuildStale()) return false;
    process.stderr.write('roster: compiling src/ to dist/ (missing or older than src/)\n');
    build({ check: false });
    return true;
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

const CONSOLE = join(ROOT, 'console');
const CONSOLE_DIST = join(CONSOLE, 'dist');
const CONSOLE_STAMP = join(CONSOLE_DIST, '.build-stamp.json');
/** The console's build inputs besides console/src/. */
const CONSOLE_FILES = ['index.html', 'vite.config.ts'];

/** Like sourceFingerprint, over the console's sources (console/src, its index.html and Vite config). */
export function consoleFingerprint() {
  const hash = createHash('sha256');
  const files = [...filesUnder(join(CONSOLE, 'src')), ...CONSOLE_FILES.map((f) => relative(ROOT, join(CONSOLE, f)))];
  for (const file of files) {
    if (!existsSync(join(ROOT, file))) continue;
    const stat = statSync(join(ROOT, file));
    hash.update(`${file}\0${stat.size}\0${stat.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/** True when console/dist is missing, unfinished, or older than the console's sources. */
export function isConsoleBuildStale() {
  try {
    return JSON.parse(readFileSync(CONSOLE_STAMP, 'utf8')).fingerprint !== consoleFingerprint();
  } catch {
    return true;
  }
}

/** Builds the console with Vite into console/dist (about 3 s). Throws when Vite is missing or fails. */
export function buildConsole() {
  const fingerprint = consoleFingerprint();
  let vite;
  try {
    vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  } catch {
    throw new Error('the console is not built and Vite is not installed to build it: run `npm install` (with dev dependencies)');
  }
  const result = spawnSync(process.execPath, [vite, 'build', '--config', join(CONSOLE, 'vite.config.ts')], {
    cwd: ROOT,
    // Vite keeps an inherited NODE_ENV (vitest sets `test`): that would ship React's development build.
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`vite build failed (${result.status ?? result.signal ?? result.error?.message})`);
  // Pre-compressed copies, served by @fastify/static (`preCompressed`) to browsers that accept them: no compression
  // work per request, and the transfer is the gzip/brotli size.
  const assets = join(CONSOLE_DIST, 'assets');
  for (const name of readdirSync(assets)) {
    if (!/\.(js|css|svg)$/.test(name)) continue;
    const content = readFileSync(join(assets, name));
    writeFileSync(join(assets, `${name}.gz`), gzipSync(content, { level: 9 }));
    writeFileSync(join(assets, `${name}.br`), brotliCompressSync(content));
  }
  writeFileSync(CONSOLE_STAMP, `${JSON.stringify({ fingerprint, builtAt: new Date().toISOString() })}\n`);
}

/**
 * Builds the console when its build is stale (under the same lock as dist/); returns whether it built. A checkout
 * without console/ (or ROSTER_CONSOLE=off, checked by the caller) has nothing to build.
 */
export async function ensureConsoleBuilt() {
  if (!existsSync(join(CONSOLE, 'index.html')) || !isConsoleBuildStale()) return false;
  await acquireLock();
  try {
    if (!isConsoleBuildStale()) return false;
    process.stderr.write('roster: building the console (console/dist missing or older than console/src)\n');
    buildConsole();
    return true;
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await acquireLock();
  try {
    build({ check: true });
    if (existsSync(join(CONSOLE, 'index.html'))) buildConsole();
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
