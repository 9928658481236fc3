import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

/** Debian's Chromium (.ci/run installs it); never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Where the browser suites save the screenshots the README shows. */
export const SHOTS = join(import.meta.dirname, '..', '..', 'docs', 'console');

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/**
 * Starts headless Chromium at 1280×800 in a fresh profile (named after `name`), one page, 15 s per step.
 * @throws Error when /usr/bin/chromium is missing.
 */
export async function launchChromium(name: string): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
  const profile = mkdtempSync(join(tmpdir(), `${name}-`));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves what the page shows for a failed step into the temp dir, for the one reading the failure. */
export async function screenshotFailure(page: Page | undefined, suite: string, step: { name: string; result?: { state?: string } }) {
  if (step.result?.state === 'fail') await page?.screenshot({ path: join(tmpdir(), `${suite}-failed-${step.name.slice(0, 40)}.png`) });
}

/** Zero serious or critical axe violations on the page as it is now. */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${name}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}
