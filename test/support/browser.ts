import { existsSync, mkdirSync } from 'fs';
import { join } from 'path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (installed by `.ci/run`); `CHROMIUM_PATH` points elsewhere. `npx playwright install` needs the internet. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots of the browser tests: a git-ignored folder kept as CI artifacts. */
export const SCREENSHOT_DIR = join(__dirname, '..', '..', 'test-artifacts', 'console');

/**
 * Starts headless Chromium. A missing browser fails the suite with the fix, never skips it: the console's tests are
 * the only proof the page works.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. Install it with \`apt-get install -y chromium\` (the CI script does), ` +
        'or set CHROMIUM_PATH to a Chromium or Chrome binary.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}

/** Saves a full-page screenshot as `test-artifacts/console/<name>.png`; `hide` is CSS of what to leave out (toasts). */
export async function screenshot(page: Page, name: string, hide = '.toasts'): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true, style: hide ? `${hide} { visibility: hidden !important; }` : undefined });
  return path;
}
