import { existsSync, mkdirSync } from 'fs';
import { delimiter, dirname, join } from 'path';
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
  /** Shared libraries the binary is started with (`LD_LIBRARY_PATH`): the npm build brings its own NSS. */
  readonly libraryPath?: string;
}

/** The binary chosen by `LLM_MGR_TEST_CHROMIUM` (see there); the npm one is unpacked to the temp folder once. */
export async function findChromium(setting = process.env[TEST_CHROMIUM_ENV] ?? ''): Promise<ChromiumBinary> {
  if (setting === 'npm') return npmChromium();
  if (setting === 'system' || setting === '') {
    const system = systemChromium();
    if (system) return { path: system, source: 'system' };
    if (setting === 'system') {
      throw new Error(
        `${TEST_CHROMIUM_ENV}=system, but neither chromium nor chromium-browser is on PATH. ` +
          'Install it (`apt-get install -y chromium`) or unset the variable to use the npm one.',
      );
    }
    return npmChromium();
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
    const env = binary.libraryPath
      ? { ...process.env, LD_LIBRARY_PATH: [binary.libraryPath, process.env.LD_LIBRARY_PATH].filter(Boolean).join(delimiter) }
      : undefined;
    return await chromium.launch({
      executablePath: binary.path,
      env,
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

/**
 * @sparticuz/chromium 143 (the last line for Node 20 with a CommonJS build) unpacks its brotli binary to the temp
 * folder. Its NSS libraries (al2023.tar.br) it unpacks only on Amazon Linux, and a fresh Debian has no libnss3 without
 * Debian's chromium: we unpack them too, with the package's own `inflate` (not exported, hence the file path; the
 * version is pinned with ~).
 */
async function npmChromium(): Promise<ChromiumBinary> {
  const entry = require.resolve('@sparticuz/chromium');
  const { default: packaged } = (await import('@sparticuz/chromium')) as { default: { executablePath(): Promise<string> } };
  const { inflate } = require(join(dirname(entry), 'lambdafs.cjs')) as { inflate(file: string): Promise<string> };
  const path = await packaged.executablePath();
  const libraries = await inflate(join(dirname(entry), '..', '..', 'bin', 'al2023.tar.br'));
  return { path, source: 'npm', libraryPath: join(libraries, 'lib') };
}

/** Saves a full-page screenshot as `test-artifacts/console/<name>.png`; `hide` is CSS of what to leave out (toasts). */
export async function screenshot(page: Page, name: string, hide = '.toasts'): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true, style: hide ? `${hide} { visibility: hidden !important; }` : undefined });
  return path;
}
