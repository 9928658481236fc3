/** Child processes for the bench: started, health-checked, and always stopped (also on failure). */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

export interface Child {
  name: string;
  process: ChildProcess;
  /** Last lines the child wrote (stdout and stderr). */
  output: string[];
  exited: Promise<number | null>;
  running: boolean;
}

const children = new Set<Child>();

/** Starts `node <args>` with the environment given; its output is kept, not printed. */
export function startChild(name: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Child {
  const proc = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const child: Child = { name, process: proc, output: [], running: true, exited: Promise.resolve(null) };
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      child.output.push(line);
      if (child.output.length > 200) child.output.shift();
    }
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  child.exited = new Promise((resolve) => {
    proc.once('exit', (code) => {
      child.running = false;
      children.delete(child);
      resolve(code);
    });
  });
  children.add(child);
  return child;
}

/** Polls `url` until it answers 200; fails early when the child dies. */
export async function waitHealthy(child: Child, url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!child.running) throw new Error(`${child.name} exited during startup:\n${child.output.slice(-20).join('\n')}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${child.name} did not become healthy within ${timeoutMs} ms:\n${child.output.slice(-20).join('\n')}`);
}

/** SIGTERM, then SIGKILL after a grace period. */
export async function stopChild(child: Child, graceMs = 10_000): Promise<void> {
  if (!child.running) return;
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c)));
}

// Last resort: never leave a server behind, whatever ends this process.
process.once('exit', () => {
  for (const child of children) child.process.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping servers\n`);
    stopAll().finally(() => process.exit(130));
  });
}

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
