import { execFileSync } from 'child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { findChromium, launchChromium, TEST_CHROMIUM_ENV } from './browser';

/** A fresh machine has no Debian chromium: the console suites must still find a browser, the one npm installed. */
describe('the Chromium of the console tests', () => {
  jest.setTimeout(90_000);
  const saved = { path: process.env.PATH, setting: process.env[TEST_CHROMIUM_ENV] };
  const emptyDir = mkdtempSync(join(tmpdir(), 'llm-mgr-no-chromium-'));
  afterEach(() => {
    process.env.PATH = saved.path;
    if (saved.setting === undefined) delete process.env[TEST_CHROMIUM_ENV];
    else process.env[TEST_CHROMIUM_ENV] = saved.setting;
  });
  afterAll(() => rmSync(emptyDir, { recursive: true, force: true }));

  it('without chromium on PATH, uses the one @sparticuz/chromium brought, and it renders a page', async () => {
    process.env.PATH = emptyDir;
    delete process.env[TEST_CHROMIUM_ENV];
    const binary = await findChromium();
    expect(binary.source).toBe('npm');
    accessSync(binary.path, constants.X_OK);
    // NSS from the package, not from the system: a fresh Debian has no libnss3 unless Debian's chromium pulled it in.
    const linked = execFileSync('ldd', [binary.path], { env: { ...process.env, PATH: saved.path, LD_LIBRARY_PATH: binary.libraryPath } }).toString();
    expect(linked).toMatch(new RegExp(`libnss3\\.so => ${binary.libraryPath}/libnss3\\.so`));

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.setContent('<p id="greeting">你好, console</p>');
      expect(await page.textContent('#greeting')).toBe('你好, console');
    } finally {
      await browser.close();
    }
  });

  it('an explicit binary that does not exist fails with the variable to fix, and `system` without one says so', async () => {
    await expect(findChromium(join(emptyDir, 'chrome'))).rejects.toThrow(`${TEST_CHROMIUM_ENV}=${join(emptyDir, 'chrome')}: no such file`);
    process.env.PATH = emptyDir;
    await expect(findChromium('system')).rejects.toThrow('neither chromium nor chromium-browser is on PATH');
  });
});
