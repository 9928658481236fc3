import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** Where the browser suites save the screenshots the README shows. */
export const SHOTS = join(import.meta.dirname, '..', '..', 'docs', 'console');

export { type Browser, CHROMIUM, launchChromium } from './chromium.ts';

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
