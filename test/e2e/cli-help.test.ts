/**
 * `roster --version` prints the package's version, and every command and subcommand says what it does in --help.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { childEnv, ROOT } from './process.ts';

const run = promisify(execFile);

async function roster(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['bin/roster.js', ...args], { cwd: ROOT, env: childEnv({}), timeout: 400_000 });
  return stdout;
}

/** The commands a --help lists, each with the text after its name (its description), from commander's layout. */
function commandsOf(help: string): { name: string; description: string }[] {
  const section = help.split(/^Commands:$/m)[1] ?? '';
  return section
    .split('\n')
    .filter((line) => /^ {2}\S/.test(line))
    .map((line) => {
      const [, usage, description] = /^ {2}(.+?)(?: {2,}(.*))?$/.exec(line) ?? [];
      return { name: (usage ?? '').split(' ')[0], description: (description ?? '').trim() };
    })
    .filter((c) => c.name !== 'help');
}

describe('the roster CLI describes itself', () => {
  it('--version and -V print the version in package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const [long, short] = await Promise.all([roster('--version'), roster('-V')]);
    expect(long.trim()).toBe(version);
    expect(short.trim()).toBe(version);
  }, 400_000);

  it('every command and subcommand has a description', async () => {
    const top = commandsOf(await roster('--help'));
    expect(top.map((c) => c.name)).toEqual(expect.arrayContaining(['serve', 'migrate', 'tenants', 'keys', 'providers']));
    const groups = ['tenants', 'brands', 'keys', 'providers', 'signing-keys'];
    const nested = await Promise.all(groups.map(async (group) => ({ group, commands: commandsOf(await roster(group, '--help')) })));
    const missing = [
      ...top.filter((c) => c.description === '').map((c) => c.name),
      ...nested.flatMap(({ group, commands }) => commands.filter((c) => c.description === '').map((c) => `${group} ${c.name}`)),
    ];
    expect(missing).toEqual([]);
    for (const { group, commands } of nested) expect(commands.length, group).toBeGreaterThan(0);
  }, 600_000);
});
