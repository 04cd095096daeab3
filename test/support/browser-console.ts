import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import type { AddressInfo } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import type { Browser, Page } from 'playwright-core';
import { createApp } from '../../src/app/create-app';
import { launchChromium, screenshot } from './browser';
import { Teardown } from './teardown';
import { startFakeUpstream, type FakeUpstream } from './fake-upstream';
import { createTestDatabase, testEngineName } from './test-engine';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from './upstream-yaml';

export const CONSOLE_ADMIN_TOKEN = 'llma_console-e2e-admin-token-0123456789abcdef';
/** The master key, given through the process environment (not `.env`), so the console can write it to `.env`. */
export const CONSOLE_LLM_KEY = 'console-e2e-master-key-0123456789-abcdefghij';
const quiet = { log: (): void => {}, error: (): void => {}, warn: (): void => {} };

/** The real standalone server on a temp folder, the fake upstream behind its YAML, and one headless Chromium page. */
export interface ConsoleRig {
  dir: string;
  upstream: FakeUpstream;
  app: INestApplication;
  baseUrl: string;
  browser: Browser;
  page: Page;
  /** Every response body the page received from /api, to prove no key ever travels in clear. */
  apiBodies: string[];
  /** Errors thrown by the page's scripts: a test fails on any. */
  pageErrors: string[];
  /** The REST API as the admin, for arranging and checking state outside the browser. */
  call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startConsoleRig(): Promise<ConsoleRig> {
  const teardown = new Teardown();
  return teardown.guard(async () => {
    const upstream = teardown.add(await startFakeUpstream({ apiKey: SYSTEM_KEY }), (started) => started.close());
    const dir = teardown.add(mkdtempSync(join(tmpdir(), 'llm-mgr-console-')), (made) => rmSync(made, { recursive: true, force: true }));
    writeFileSync(join(dir, 'llm_mgr_cfg.yaml'), upstreamYaml(upstream.url));
    // The engine of the jest project (SQLite, PostgreSQL, MariaDB), reached as an operator would: LLM_MGR_DATABASE_URL.
    const database = teardown.add(createTestDatabase(testEngineName(), join(dir, 'llm_config.db')), (made) => made.drop());
    const env = {
      LLM_MGR_ADMIN_TOKEN: CONSOLE_ADMIN_TOKEN,
      LLM_KEY: CONSOLE_LLM_KEY,
      LLM_MGR_DATABASE_URL: database.url,
      [SYSTEM_KEY_ENV]: SYSTEM_KEY,
    };
    const { app } = await createApp({ cwd: dir, env, logger: quiet });
    teardown.add(app, (started) => started.close());
    await app.listen(0, '127.0.0.1');
    const baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const browser = teardown.add(await launchChromium(), (launched) => launched.close());
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    const apiBodies: string[] = [];
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('response', async (response) => {
      if (!response.url().includes('/api/')) return;
      apiBodies.push(await response.text().catch(() => ''));
    });
    const call = async (method: string, path: string, body?: unknown, token = CONSOLE_ADMIN_TOKEN): Promise<{ status: number; body: any }> => {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    };
    return { dir, upstream, app, baseUrl, browser, page, apiBodies, pageErrors, call, close: () => teardown.run() };
  });
}

/** Opens `#/<page>` and waits until the page has rendered its data. */
export async function openPage(rig: ConsoleRig, name: string): Promise<void> {
  await rig.page.goto(`${rig.baseUrl}/console#/${name}`);
  await rig.page.waitForSelector(`#page[data-page="${name}"][data-ready="true"]`);
}

/** Signs in with the admin token through the login form. */
export async function signIn(rig: ConsoleRig): Promise<void> {
  await rig.page.goto(`${rig.baseUrl}/console`);
  await rig.page.fill('#login-token', CONSOLE_ADMIN_TOKEN);
  await rig.page.click('#login-submit');
  await rig.page.waitForSelector('#page[data-ready="true"]');
}

/** Clicks the red button of the confirmation dialog. */
export async function confirm(page: Page): Promise<void> {
  await page.click('#confirm-ok', { timeout: 5_000 }).catch(async (error: unknown) => {
    await screenshot(page, 'failure-confirm');
    throw error;
  });
}

/** Waits for a toast containing `text` (the server's message or ours). */
export async function toastWith(page: Page, text: string): Promise<void> {
  await page.locator('.toast', { hasText: text }).first().waitFor();
}

/** The two sizes every console layout is checked at. */
export const CONSOLE_SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };

/** The page's own width: more than the viewport means a sideways scroll. */
export const pageWidth = (page: Page): Promise<number> => page.evaluate('document.documentElement.scrollWidth') as Promise<number>;

/**
 * One signed-in rig for the enclosing `describe`, closed after it; every test fails on an error of the page's scripts.
 * Read `.rig` inside a test (it exists once `beforeAll` has run).
 */
export function useSignedInConsole(): { rig: ConsoleRig } {
  const holder = {} as { rig: ConsoleRig };
  beforeAll(async () => {
    holder.rig = await startConsoleRig();
    await signIn(holder.rig);
  });
  afterAll(async () => {
    await holder.rig?.close();
  });
  afterEach(() => {
    expect(holder.rig.pageErrors).toEqual([]);
  });
  return holder;
}

/** Switches the console to `mode` with its toggle and waits for the page to render again. */
export async function switchMode(rig: ConsoleRig, mode: 'db' | 'yaml'): Promise<void> {
  await rig.page.click(`#mode-${mode}`);
  await rig.page.locator(`#mode-${mode}[aria-checked="true"]`).waitFor();
  await rig.page.waitForSelector('#page[data-ready="true"]');
}

// Page-side expressions are strings: the specs compile without the DOM's types.
export const focusedId = (page: Page): Promise<string> => page.evaluate('document.activeElement?.id ?? ""');

/** How far `selector`'s content reaches past its box: 0 when nothing scrolls sideways inside it. */
export const overflowOf = (page: Page, selector: string): Promise<number> =>
  page.evaluate(`(() => { const el = document.querySelector(${JSON.stringify(selector)}); return el.scrollWidth - el.clientWidth; })()`);

/** Presses Tab until `selector` has the focus (at most `limit` times): the keyboard reaches it, in page order. */
export async function tabTo(page: Page, selector: string, limit = 60): Promise<void> {
  for (let i = 0; i < limit; i += 1) {
    if (await page.evaluate(`document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** Checks the page at both sizes: no sideways scroll, and a screenshot of each (`<name>-desktop`, `<name>-phone`). */
export async function atBothSizes(rig: ConsoleRig, name: string, ready: () => Promise<void>): Promise<void> {
  for (const [size, viewport] of Object.entries(CONSOLE_SIZES)) {
    await rig.page.setViewportSize(viewport);
    await ready();
    expect({ name, size, width: await pageWidth(rig.page) }).toEqual({ name, size, width: viewport.width });
    await screenshot(rig.page, `${name}-${size}`);
  }
  await rig.page.setViewportSize(CONSOLE_SIZES.desktop);
}

/** Picks the console's language in the top bar and waits for the page to render again. */
export async function setLang(rig: ConsoleRig, lang: 'en' | 'zh'): Promise<void> {
  await rig.page.selectOption('#lang', lang);
  await rig.page.waitForSelector('#page[data-ready="true"]');
}
