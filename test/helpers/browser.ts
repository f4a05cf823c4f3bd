import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium, driven by playwright-core (which never downloads a browser of its own). `.ci/run` installs it
 * (`apt-get install chromium`); on a machine without it the page suites skip and say why, except under CI.
 */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const chromiumMissing = !existsSync(CHROMIUM);
export const chromiumSkipReason = `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to run the page tests`;

if (chromiumMissing && process.env['CI'] === 'true')
  throw new Error(`${chromiumSkipReason}; CI must run them`);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // The flags this machine needs: no sandbox as root, and no background traffic to hosts it cannot reach.
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
}
