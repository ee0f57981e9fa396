/** Dashboard screenshots for review: full-page PNGs at 1440 and 390 px wide in test-artifacts/dashboard/. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from './stack.ts';

export const SHOTS = join(REPO_ROOT, 'test-artifacts', 'dashboard');

/** `name-1440.png` and `name-390.png`; the page is left at 1440 x 900. */
export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}
