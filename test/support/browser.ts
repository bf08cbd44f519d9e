/**
 * Browser tests on Debian's chromium driven by playwright-core (never a downloaded browser): launch
 * it headless, open a person's page in its own context, record what went wrong on a page, and the
 * steps every chat page shares (joining through an invite link, sending a message).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Launch options for Debian's chromium, or fail saying how to install it. */
export function chromiumOptions(): { executablePath: string; args: string[] } {
  if (!existsSync(CHROMIUM)) assert.fail(`${CHROMIUM} is missing: install Debian's chromium with \`apt-get install -y chromium\` (.ci/run does this)`);
  return { executablePath: CHROMIUM, args: ARGS };
}

/** Launch Debian's chromium; disposing it closes the browser. */
export async function launch(): Promise<Browser & AsyncDisposable> {
  const browser = await chromium.launch(chromiumOptions());
  return Object.assign(browser, { [Symbol.asyncDispose]: () => browser.close() });
}

/** Record the page's script errors and console errors in `problems`. */
export function recordProblems(page: Page, problems: string[]): void {
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`));
}

/** A page in its own browser context (its own cookies), recording page errors and console errors. */
export async function person(browser: Browser): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  recordProblems(page, problems);
  return { context, page, problems };
}

/** Problems other than failed requests the test caused on purpose (401s, refused upgrades, a restarted server). */
export const unexpected = (problems: string[]) => problems.filter((p) => !/Failed to load resource|WebSocket connection to/.test(p));

/** Open an invite link, give a name, join, and wait until the room page is connected. */
export async function joinThroughInvite(page: Page, link: string, name: string): Promise<void> {
  await page.goto(link);
  await page.fill('#name', name);
  await page.click('#join-button');
  await page.waitForSelector('#status[data-state="open"]');
}

/** Type `text` into the room's message box and send it. */
export async function say(target: Page | Frame, text: string): Promise<void> {
  await target.fill('#message-input', text);
  await target.press('#message-input', 'Enter');
}
