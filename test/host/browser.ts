// Headless Chromium (Debian's /usr/bin/chromium, never a downloaded browser) driven by
// playwright-core, to open the code-server workbench: the extension host only starts once a
// browser connects.
import * as fs from 'fs';
import { Browser, chromium, Page } from 'playwright-core';
import { CHROMIUM_PATH } from './codeServer';

export interface Workbench {
  browser: Browser;
  page: Page;
}

export async function openWorkbench(url: string, logFile: string): Promise<Workbench> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: install the Debian package chromium (or set CLOUDXLR_CHROMIUM).`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // The launchers stop the browser themselves on a signal, after which they stop code-server
    // and the cloud; Playwright's own handlers would exit the process before that.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    // The clipboard permissions let vscode.env.clipboard work as it does for a user who allowed them.
    const context = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    const page = await context.newPage();
    const write = (line: string): void => fs.appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`);
    page.on('console', (m) => write(`[console.${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => write(`[pageerror] ${e.message}`));
    page.on('crash', () => write('[crash] the workbench page crashed'));
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    return { browser, page };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

export async function closeWorkbench(workbench: Workbench | undefined): Promise<void> {
  if (!workbench) return;
  await workbench.browser.close().catch(() => undefined);
}
