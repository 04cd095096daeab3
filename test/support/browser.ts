import { existsSync, mkdirSync } from 'fs';
import { delimiter, join } from 'path';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Which Chromium the console tests drive: unset = a system Chromium when there is one, else the one `npm install`
 * brought (@sparticuz/chromium); `system` or `npm` forces one of them; anything else is the path of a Chromium or
 * Chrome binary. `npx playwright install` is no option: it needs the internet.
 */
export const TEST_CHROMIUM_ENV = 'LLM_MGR_TEST_CHROMIUM';

/** Screenshots of the browser tests: a git-ignored folder kept as CI artifacts. */
export const SCREENSHOT_DIR = join(__dirname, '..', '..', 'test-artifacts', 'console');

/** A Chromium binary and where it came from, for the message of a failed launch. */
export interface ChromiumBinary {
  readonly path: string;
  readonly source: 'system' | 'npm' | typeof TEST_CHROMIUM_ENV;
}

/** The binary chosen by `LLM_MGR_TEST_CHROMIUM` (see there); the npm one is unpacked to the temp folder once. */
export async function findChromium(setting = process.env[TEST_CHROMIUM_ENV] ?? ''): Promise<ChromiumBinary> {
  if (setting === 'npm') return { path: await npmChromium(), source: 'npm' };
  if (setting === 'system' || setting === '') {
    const system = systemChromium();
    if (system) return { path: system, source: 'system' };
    if (setting === 'system') {
      throw new Error(
        `${TEST_CHROMIUM_ENV}=system, but neither chromium nor chromium-browser is on PATH. ` +
          'Install it (`apt-get install -y chromium`) or unset the variable to use the npm one.',
      );
    }
    return { path: await npmChromium(), source: 'npm' };
  }
  if (!existsSync(setting)) {
    throw new Error(`${TEST_CHROMIUM_ENV}=${setting}: no such file. Point it at a Chromium or Chrome binary, or unset it.`);
  }
  return { path: setting, source: TEST_CHROMIUM_ENV };
}

/**
 * Starts headless Chromium. A missing browser fails the suite with the fix, never skips it: the console's tests are
 * the only proof the page works.
 */
export async function launchChromium(): Promise<Browser> {
  const binary = await findChromium();
  try {
    return await chromium.launch({
      executablePath: binary.path,
      headless: true,
      timeout: 60_000,
      // --no-zygote: the npm build is a headless shell made for containers; it also suits Debian's Chromium.
      args: ['--headless', '--no-sandbox', '--no-zygote', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
    });
  } catch (error) {
    // @sparticuz/chromium reuses whatever sits at its path: a run killed while unpacking leaves a broken binary there.
    const npmHint = binary.source === 'npm' ? ` If it was cut while unpacking, delete ${binary.path}: the next run unpacks it again.` : '';
    throw new Error(`Chromium (${binary.source}: ${binary.path}) did not start. Set ${TEST_CHROMIUM_ENV} to another binary.${npmHint}`, {
      cause: error,
    });
  }
}

/** `chromium` (Debian) or `chromium-browser` on PATH: hiding it from PATH is how a run picks the npm one. */
function systemChromium(): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of ['chromium', 'chromium-browser']) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
  }
  return null;
}

/** @sparticuz/chromium 143 (the last line for Node 20 with a CommonJS build) unpacks its brotli binary to /tmp. */
async function npmChromium(): Promise<string> {
  const { default: packaged } = (await import('@sparticuz/chromium')) as { default: { executablePath(): Promise<string> } };
  return packaged.executablePath();
}

/** Saves a full-page screenshot as `test-artifacts/console/<name>.png`; `hide` is CSS of what to leave out (toasts). */
export async function screenshot(page: Page, name: string, hide = '.toasts'): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true, style: hide ? `${hide} { visibility: hidden !important; }` : undefined });
  return path;
}
