/** Debian's Chromium driven by playwright-core (no browser download): for the dashboard's tests and benchmark. */
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env.SWEEPS_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
