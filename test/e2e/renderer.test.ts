/// <reference lib="dom" />
// The window end to end: the built renderer in Debian's Chromium (playwright-core), talking through a test
// bridge to the REAL CompanionService (main/core/companion-port.ts) and the phone simulator on loopback. The
// bridge implements the contract by calling the very handler table main/electron/ipc.ts registers with
// ipcMain (createIpcHandlers), and pushes status through the contract's push schema as ipc.ts does; only the
// transport (Playwright's exposeFunction instead of Electron IPC) differs. The PC's session lock is the
// test's own lock source. Every screen is checked with axe-core in English and French, light and dark, and
// photographed to docs/screenshots/.
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestLockSource } from '../helpers/test-lock-source.js';
import { createCompanionPort, type CompanionPort } from '../../main/composition/running-companion.js';
import { CONTENT_SECURITY_POLICY } from '../../main/electron/content-security-policy.js';
import { createIpcHandlers } from '../../main/electron/window-ipc-handlers.js';
import { pushSchemas, type BtoeApi, type CompanionView, type RequestChannel } from '../../contract/window.js';
import {
  cleanup,
  requireDist,
  startPhone,
  startVendorPhone,
  type Phone,
} from '../integration/helpers/processes.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const haveChromium = existsSync(CHROMIUM);
const onCi = process.env['CI'] === 'true';
const MISSING = `${CHROMIUM} is not installed (apt-get install -y chromium)`;
const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const TABS = {
  en: ['Phones', 'Calls', 'Sign-in', 'Settings', 'Diagnostics'],
  fr: ['Téléphones', 'Appels', 'Connexion', 'Paramètres', 'Diagnostic'],
} as const;
const SCREEN_NAMES = ['phones', 'calls', 'sign-in', 'settings', 'diagnostics'] as const;
/** One hardware (serial, MAC): restarted without its keys, it is the same phone after a factory reset. */
const PHONE_ARGS = [
  '--pairing-mode',
  'manual',
  '--answer-delay',
  '200',
  '--serial',
  '0004F2E2E001',
  '--mac',
  '02:04:f2:e2:e0:01',
];

/**
 * Runs in the page before its scripts (serialised by Playwright: nothing from this module's scope). The
 * page's `window.btoe` forwards each request to the test process (exposeFunction `btoeInvoke`), where the
 * ipc.ts handler table answers it; pushes arrive through `btoePush`.
 */
function installBridge(): void {
  const listeners = new Set<(view: CompanionView) => void>();
  const host = globalThis as unknown as {
    btoeInvoke(channel: string, request: unknown): Promise<unknown>;
    btoePush?: (view: CompanionView) => void;
    btoe?: BtoeApi;
  };
  host.btoePush = (view) => listeners.forEach((listener) => listener(view));
  host.btoe = {
    invoke: (channel, request) => host.btoeInvoke(channel, request) as never,
    onStatusChanged: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

function serveStatic(root: string): Promise<Server> {
  const server = createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    const file = path.resolve(root, `.${pathname === '/' ? '/index.html' : pathname}`);
    if (!file.startsWith(root + path.sep)) {
      response.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => {
        const type = CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream';
        response.writeHead(200, { 'Content-Type': type }).end(body);
      },
      () => response.writeHead(404).end(),
    );
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** A card's facts as { term: value }. */
async function factsOf(card: Locator): Promise<Record<string, string>> {
  const terms = await card.locator('.phone-facts dt').allInnerTexts();
  const values = await card.locator('.phone-facts dd').allInnerTexts();
  return Object.fromEntries(terms.map((term, i) => [term, values[i] ?? '']));
}

/** axe-core's serious and critical findings on the page as it is now, one line each. */
async function seriousViolations(page: Page): Promise<string[]> {
  const hasAxe = await page.evaluate(() => 'axe' in globalThis);
  // Evaluated through the DevTools protocol, so the page's CSP (no inline scripts) does not apply to it.
  if (!hasAxe) await page.evaluate(axe.source);
  const results = await page.evaluate(() =>
    (globalThis as unknown as { axe: typeof axe }).axe.run(document, { resultTypes: ['violations'] }),
  );
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

if (!haveChromium && !onCi) console.warn(`Skipping the window end-to-end test: ${MISSING}.`);

describe.runIf(!haveChromium && onCi)('the window in Chromium', () => {
  it('fails on CI, where Chromium must be installed', () => {
    throw new Error(`${MISSING}: the window end-to-end test cannot run.`);
  });
});

describe.skipIf(!haveChromium)(
  haveChromium ? 'the window in Chromium' : `the window in Chromium (skipped: ${MISSING})`,
  () => {
    const savedEnv = { ...process.env };
    let outDir: string;
    let store: string;
    let server: Server;
    let baseUrl: string;
    let browser: Browser;
    let phone: Phone;
    let port: CompanionPort;
    let bridge: ReturnType<typeof bridgeTo>;
    const lockSource = new TestLockSource();
    let page: Page;
    const consoleErrors: string[] = [];
    /** The web sign-in code the phone asked for: a secret the support report must not carry. */
    let signInCode = '';

    /**
     * The test bridge for one companion: the handler table ipc.ts registers, and its status pushes checked
     * against the contract (as ipc.ts's pushStatus does) and sent to the pages opened on it.
     */
    function bridgeTo(companion: CompanionPort) {
      const bridge = { handlers: createIpcHandlers(companion), pages: new Set<Page>() };
      companion.onStatusChanged((view) => {
        const checked = pushSchemas['companion:status-changed'].safeParse(view);
        if (!checked.success) {
          consoleErrors.push(`the companion pushed an invalid status: ${checked.error.message}`);
          return;
        }
        for (const open of bridge.pages) {
          void open
            .evaluate(
              (v) => (globalThis as unknown as { btoePush(v: unknown): void }).btoePush(v),
              checked.data,
            )
            .catch(() => undefined);
        }
      });
      return bridge;
    }

    /** A page on the built renderer whose `window.btoe` is the bridge to a real companion. */
    async function openWindow(context: BrowserContext, to = bridge, fragment = ''): Promise<Page> {
      const opened = await context.newPage();
      opened.setDefaultTimeout(10_000);
      opened.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
      opened.on('pageerror', (error) => consoleErrors.push(error.message));
      await opened.exposeFunction('btoeInvoke', (channel: string, request: unknown) => {
        if (!Object.hasOwn(to.handlers, channel)) throw new Error(`"${channel}" is not a request.`);
        return to.handlers[channel as RequestChannel](request);
      });
      await opened.addInitScript(installBridge);
      await opened.goto(`${baseUrl}${fragment}`);
      to.pages.add(opened);
      opened.once('close', () => to.pages.delete(opened));
      return opened;
    }

    beforeAll(async () => {
      requireDist();
      outDir = await mkdtemp(path.join(os.tmpdir(), 'btoe-renderer-'));
      store = await mkdtemp(path.join(os.tmpdir(), 'btoe-window-'));
      await build({
        configFile: fileURLToPath(new URL('../../vite.renderer.config.ts', import.meta.url)),
        mode: 'production',
        logLevel: 'warn',
        build: { outDir, emptyOutDir: true },
      });
      server = await serveStatic(outDir);
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

      process.env['BTOE_SECRET_STORE'] = 'file';
      // Vendor phones' events: a listener on any free port, so parallel runs never collide.
      process.env['BTOE_EVENT_PORT'] = '0';
      // A region for the dial box, so numbers without a country code mean the same on any test machine.
      const companionStore = path.join(store, 'companion');
      await mkdir(companionStore, { recursive: true, mode: 0o700 });
      await writeFile(
        path.join(companionStore, 'settings.json'),
        JSON.stringify({ version: 1, defaultRegion: 'FR' }),
      );

      phone = await startPhone(PHONE_ARGS);
      port = await createCompanionPort([lockSource], { storeDir: companionStore, usb: false });
      bridge = bridgeTo(port);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      const context = await browser.newContext({ locale: 'en-GB', colorScheme: 'light' });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
      page = await openWindow(context);
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await port?.close();
      await phone?.stop();
      await cleanup();
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      process.env = savedEnv;
      for (const dir of [outDir, store]) if (dir) await rm(dir, { recursive: true, force: true });
    });

    const tab = (name: string, on: Page = page) => on.getByRole('tab', { name, exact: true });
    const card = (on: Page = page) => on.getByTestId(`phone-${phone.id}`);

    it('runs under the app’s content security policy, and the user chooses Manual pairing', async () => {
      await page.getByRole('heading', { name: 'Phones', level: 2 }).waitFor();
      const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
      expect(csp).toBe(CONTENT_SECURITY_POLICY);
      // No policy sets the pairing mode on this machine: the user chooses it, and the companion saves it.
      const choice = page.getByTestId('pairing-mode-choice');
      expect(await choice.inputValue()).toBe('auto');
      await choice.selectOption('manual');
      await expect.poll(() => port.settings().pairingMode).toBe('manual');
      await expect.poll(() => choice.inputValue()).toBe('manual');
      expect(consoleErrors).toEqual([]);
    });

    it('moves between tabs with the arrow keys, with a visible focus', async () => {
      await tab('Phones').focus();
      await page.keyboard.press('ArrowRight');
      expect(await tab('Calls').getAttribute('aria-selected')).toBe('true');
      expect(await tab('Calls').evaluate((el) => el === document.activeElement)).toBe(true);
      expect(await tab('Calls').evaluate((el) => getComputedStyle(el).outlineStyle)).toBe('solid');
      await page.keyboard.press('End');
      expect(await tab('Diagnostics').getAttribute('aria-selected')).toBe('true');
      await page.keyboard.press('Home');
      expect(await tab('Phones').getAttribute('aria-selected')).toBe('true');
      // Tab leaves the tab list for the panel's first control.
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.closest('[role="tabpanel"]') !== null)).toBe(
        true,
      );
    });

    it('opens on the page the tray or a notification asks for (the URL fragment), and follows a new one', async () => {
      await page.evaluate(() => (window.location.hash = '#diagnostics'));
      await expect.poll(() => tab('Diagnostics').getAttribute('aria-selected')).toBe('true');
      await page.evaluate(() => (window.location.hash = '#pair'));
      await expect.poll(() => tab('Phones').getAttribute('aria-selected')).toBe('true');
      const opened = await openWindow(await browser.newContext({ locale: 'en-GB' }), bridge, '#calls');
      try {
        await expect.poll(() => tab('Calls', opened).getAttribute('aria-selected')).toBe('true');
      } finally {
        await opened.context().close();
      }
    });

    it('finds the phone by its address and shows it unpaired, with a code entry', async () => {
      await page.getByLabel('Address', { exact: true }).fill('127.0.0.1:1');
      await page.getByRole('button', { name: 'Find' }).click();
      await page.locator('.outcome.error').waitFor();
      expect(await page.getByLabel('Address', { exact: true }).getAttribute('aria-invalid')).toBe('true');

      await page.getByLabel('Address', { exact: true }).fill(phone.address);
      await page.getByRole('button', { name: 'Find' }).click();
      await card().waitFor();
      expect(await factsOf(card())).toMatchObject({
        Pairing: 'Not paired',
        Connection: 'Not connected',
        'Connected by': 'Ethernet',
        'PC port': 'Not on this PC’s port',
        Identity: 'Verified',
      });
      expect(await card().locator('h3').innerText()).toBe('Polycom VVX 450');
      expect(await card().locator('.phone-identity').innerText()).toBe(`firmware 6.4.3 · ${phone.address}`);
    });

    it('pairs in Manual mode with the code the phone shows, after a closed window and a wrong code', async () => {
      const pairButton = card().getByRole('button', { name: 'Pair with code…' });
      await pairButton.click();
      const dialog = page.getByRole('dialog', { name: /Pair with/ });
      const code = dialog.getByLabel('Pairing code');
      // Focus starts in the code field.
      expect(await code.evaluate((el) => el === document.activeElement)).toBe(true);

      // Pairing is not open on the phone yet: the window says so and keeps the dialog open.
      await code.fill('ABCD-2345');
      await code.press('Enter');
      await dialog.getByRole('alert').filter({ hasText: 'open pairing on the phone' }).waitFor();

      const shown = await phone.openPairing();
      const wrong = shown.startsWith('2') ? '3' + shown.slice(1) : '2' + shown.slice(1);
      await code.fill(wrong);
      await code.press('Enter');
      await phone.waitFor((e) => e.event === 'pairing-failed' && e['reason'] === 'wrong-code');
      await dialog.getByRole('alert').filter({ hasText: 'the code did not match' }).waitFor();
      expect(await code.getAttribute('aria-invalid')).toBe('true');
      await page.screenshot({ path: path.join(SCREENSHOTS, 'pair-dialog-en-light.png') });

      // The newest code the phone shows (a wrong attempt may burn the code), typed as a person might.
      const latest = String(phone.list('pairing-code').at(-1)?.['code']);
      await code.fill(latest.toLowerCase().replace('-', ' - '));
      await dialog.getByRole('button', { name: 'Pair', exact: true }).click();
      await phone.waitFor('paired');
      await dialog.waitFor({ state: 'hidden' });

      await card().getByText('Connected', { exact: true }).waitFor();
      expect(await factsOf(card())).toMatchObject({ Pairing: 'Paired (Manual)', Connection: 'Connected' });
      // Focus went to the card's next action, not to the top of the page.
      const unpair = card().getByRole('button', { name: 'Unpair…' });
      expect(await unpair.evaluate((el) => el === document.activeElement)).toBe(true);
    });

    it('shows the phone locked when the PC locks, and its lock sync on', async () => {
      const from = phone.mark();
      lockSource.set(true);
      await phone.waitFor('locked', 10_000, from);
      await card()
        .locator('.phone-facts dd')
        .filter({ hasText: /^Locked$/ })
        .waitFor();
      await page.getByTestId('pc-locked').waitFor();
      expect((await factsOf(card()))['Lock sync']).toBe('On: the phone locks with this PC');
      const unlocked = phone.mark();
      lockSource.set(false);
      await phone.waitFor('unlocked', 10_000, unlocked);
      await card()
        .locator('.phone-facts dd')
        .filter({ hasText: /^Unlocked$/ })
        .waitFor();
    });

    it('dials from the dial box, shows a refused number at the field, and the call on the phone', async () => {
      await tab('Calls').click();
      const box = page.getByLabel('Number or address');
      await box.fill('tel:12');
      await box.press('Enter');
      const error = page.locator('.inline-form [role="alert"]');
      await error.waitFor();
      expect(await box.getAttribute('aria-invalid')).toBe('true');
      expect((await error.innerText()).length).toBeGreaterThan(10);

      const from = phone.mark();
      await box.fill('01 42 68 53 00');
      await page.getByRole('button', { name: 'Call', exact: true }).click();
      const dialled = await phone.waitFor('call', 10_000, from);
      expect(dialled).toMatchObject({ direction: 'out', number: '+33142685300' });
      const current = page.getByTestId('current-call');
      await current.getByText('Call to +33142685300').waitFor();
      await phone.waitFor((e) => e.event === 'call' && e['state'] === 'connected', 10_000, from);
      await current.getByTestId('call-state').filter({ hasText: 'In call' }).waitFor();

      const ended = phone.mark();
      await current.getByRole('button', { name: 'Hang up' }).click();
      await phone.waitFor((e) => e.event === 'call' && e['state'] === 'ended', 10_000, ended);
      await page.getByText('No call right now.').waitFor();
    });

    it('answers a call the phone receives, holds, mutes and hangs up', async () => {
      const from = phone.mark();
      phone.send('incoming-call +33612345678');
      const current = page.getByTestId('current-call');
      await current.getByText('Call from +33612345678').waitFor();
      await current.getByTestId('call-state').filter({ hasText: 'Incoming' }).waitFor();
      await page.screenshot({ path: path.join(SCREENSHOTS, 'incoming-call-en-light.png') });

      await current.getByRole('button', { name: 'Answer' }).click();
      await phone.waitFor((e) => e.event === 'call' && e['state'] === 'connected', 10_000, from);
      await current.getByTestId('call-state').filter({ hasText: 'In call' }).waitFor();

      await current.getByRole('button', { name: 'Hold' }).click();
      await current.getByTestId('call-state').filter({ hasText: 'On hold' }).waitFor();
      await current.getByRole('button', { name: 'Resume' }).click();
      await current.getByTestId('call-state').filter({ hasText: 'In call' }).waitFor();
      await current.getByRole('button', { name: 'Mute', exact: true }).click();
      await current.getByRole('button', { name: 'Unmute' }).waitFor();
      expect(phone.list((e) => e.event === 'call' && e['muted'] === true, from).length).toBeGreaterThan(0);
    });

    it('shows a phone that was reset as such, and pairs it again', async () => {
      // Factory reset: the same phone (serial, MAC, address) comes back with new keys.
      const address = phone.address;
      const before = phone.id;
      await phone.stop();
      phone = await startPhone(PHONE_ARGS, { listen: address });
      await tab('Phones').click();
      const resetCard = page.getByTestId(`phone-${before}`);
      await resetCard.getByText('This phone was reset', { exact: false }).waitFor({ timeout: 30_000 });
      expect((await factsOf(resetCard))['Pairing']).toBe('Needs pairing again');
      await page.screenshot({ path: path.join(SCREENSHOTS, 'reset-phone-en-light.png') });
      await resetCard.getByRole('button', { name: 'Pair again' }).click();
      const dialog = page.getByRole('dialog', { name: /Pair with/ });
      const code = await phone.openPairing();
      await dialog.getByLabel('Pairing code').fill(code);
      await dialog.getByLabel('Pairing code').press('Enter');
      await phone.waitFor('paired');
      // The new pairing replaces the old one: one card, the phone's new identity, connected.
      await card().getByText('Connected', { exact: true }).waitFor();
      await resetCard.waitFor({ state: 'detached' });
      expect(await page.locator('.phone').count()).toBe(1);
    });

    it('shows a web sign-in request with its code, and switches language in Settings', async () => {
      phone.send('sign-in-request web');
      await tab('Sign-in').click();
      const shownCode = page.getByTestId('sign-in-code');
      await shownCode.waitFor();
      signInCode = await shownCode.innerText();
      expect(signInCode.length).toBeGreaterThan(3);
      await page.getByRole('button', { name: 'Copy code' }).click();
      await page.getByRole('status').filter({ hasText: 'The code is on the clipboard.' }).waitFor();

      await tab('Settings').click();
      await page.getByLabel('Language').selectOption('fr');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('tab', { name: 'Paramètres' }).waitFor();
      expect(await page.evaluate(() => document.documentElement.lang)).toBe('fr');
      await page.getByLabel('Langue').selectOption('system');
      await page.getByRole('button', { name: 'Enregistrer' }).click();
      await tab('Settings').waitFor();
      expect(port.settings()).toMatchObject({ language: null, defaultRegion: 'FR' });
    });

    it('copies a support report without the sign-in code the phone is waiting for', async () => {
      await tab('Settings').click();
      await page.getByLabel('Your account (UPN)').fill('amosm@contoso.com');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      expect(port.settings().user).toBe('amosm@contoso.com');

      await tab('Diagnostics').click();
      await page.getByRole('button', { name: 'Copy report' }).click();
      await page.getByRole('status').filter({ hasText: 'The report is on the clipboard' }).waitFor();
      const report = await page.evaluate(() => navigator.clipboard.readText());
      expect(report).toContain(phone.id);
      expect(report).not.toContain(signInCode);
      expect(report).toContain('[redacted]');
    });

    it(
      'runs the doctor checks, saves a support bundle and shows the app version',
      { timeout: 60_000 },
      async () => {
        await expect(page.getByTestId('app-version').textContent()).resolves.toBe(
          `Version ${(await port.status()).version}`,
        );
        await tab('Diagnostics').click();
        await page.getByRole('button', { name: 'Run checks' }).click();
        const checks = page.getByTestId('doctor-checks');
        await checks.waitFor({ timeout: 30_000 });
        expect(await checks.locator('tbody tr').count()).toBeGreaterThan(0);
        // Each row names its status in words.
        const statuses = await checks.locator('tbody tr td:first-of-type').allTextContents();
        expect(statuses.every((s) => ['Passed', 'Warning', 'Failed', 'Not applicable'].includes(s))).toBe(
          true,
        );

        await page.getByRole('button', { name: 'Save support bundle…' }).click();
        const saved = page.getByRole('status').filter({ hasText: 'Support bundle saved to' });
        await saved.waitFor({ timeout: 30_000 });
        const file = (await saved.textContent())!.replace('Support bundle saved to ', '').trim();
        // Under the companion's own store, never a place the page chose.
        expect(file.startsWith(store)).toBe(true);
        expect(path.basename(path.dirname(file))).toBe('support');
        expect(path.basename(file)).toMatch(/^btoe-support-.+\.zip$/);
        expect((await stat(file)).size).toBeGreaterThan(0);
      },
    );

    it(
      'has no serious accessibility violation on any screen, in English and French, light and dark',
      { timeout: 300_000 },
      async () => {
        await mkdir(SCREENSHOTS, { recursive: true });
        // A call ringing (the Calls screen's controls) and a web sign-in waiting (the Sign-in screen's code).
        const ringing = phone.mark();
        phone.send('incoming-call +33612345678');
        await phone.waitFor('call', 10_000, ringing);
        const found: string[] = [];
        for (const language of ['en', 'fr'] as const) {
          for (const colorScheme of ['light', 'dark'] as const) {
            // The OS locale chooses the language (no setting saved): French for fr-FR.
            const context = await browser.newContext({
              locale: language === 'en' ? 'en-GB' : 'fr-FR',
              colorScheme,
              viewport: { width: 900, height: 760 },
            });
            const view = await openWindow(context);
            for (const [index, name] of TABS[language].entries()) {
              await tab(name, view).click();
              await view.getByRole('tabpanel').locator('h2').first().waitFor();
              if (SCREEN_NAMES[index] === 'diagnostics') await view.locator('table').first().waitFor();
              found.push(
                ...(await seriousViolations(view)).map(
                  (v) => `${SCREEN_NAMES[index]} ${language} ${colorScheme}: ${v}`,
                ),
              );
              await view.screenshot({
                path: path.join(SCREENSHOTS, `${SCREEN_NAMES[index]}-${language}-${colorScheme}.png`),
                fullPage: true,
              });
            }
            // The unpair confirmation, a dialog over the phones screen.
            await tab(TABS[language][0], view).click();
            await card(view).locator('[data-action="unpair"]').click();
            await view.getByRole('dialog').waitFor();
            found.push(
              ...(await seriousViolations(view)).map((v) => `unpair dialog ${language} ${colorScheme}: ${v}`),
            );
            await view.screenshot({
              path: path.join(SCREENSHOTS, `unpair-dialog-${language}-${colorScheme}.png`),
            });
            await view.keyboard.press('Escape');
            await view.getByRole('dialog').waitFor({ state: 'hidden' });
            await context.close();
          }
        }
        // Windows high contrast: forced colours, checked once.
        const context = await browser.newContext({ locale: 'en-GB', forcedColors: 'active' });
        const view = await openWindow(context);
        await card(view).waitFor();
        found.push(...(await seriousViolations(view)).map((v) => `phones forced-colors: ${v}`));
        await view.screenshot({
          path: path.join(SCREENSHOTS, 'phones-en-forced-colors.png'),
          fullPage: true,
        });
        await context.close();
        phone.send('hangup');
        expect(found).toEqual([]);
      },
    );

    // Auto pairing needs a phone that sees this PC on its PC port: on loopback the simulator is told so (its
    // test-only stand-in for the layer-2 check it makes with --pc-port).
    it('pairs at a click in Auto mode with the phone on this PC’s port', async () => {
      const autoStore = await mkdtemp(path.join(os.tmpdir(), 'btoe-window-auto-'));
      const adjacent = await startPhone(['--pairing-mode', 'auto', '--test-peer-on-pc-port']);
      const autoPort = await createCompanionPort([], {
        storeDir: path.join(autoStore, 'companion'),
        usb: false,
      });
      const context = await browser.newContext({ locale: 'en-GB' });
      try {
        const view = await openWindow(context, bridgeTo(autoPort));
        expect(await view.getByTestId('pairing-mode-choice').inputValue()).toBe('auto');
        await view.getByLabel('Address', { exact: true }).fill(adjacent.address);
        await view.getByRole('button', { name: 'Find' }).click();
        const autoCard = view.getByTestId(`phone-${adjacent.id}`);
        await autoCard.waitFor();
        expect((await factsOf(autoCard))['PC port']).toBe('On this PC’s port');
        await autoCard.getByRole('button', { name: 'Pair', exact: true }).click();
        await adjacent.waitFor((e) => e.event === 'paired' && e['mode'] === 'auto');
        await autoCard.getByText('Connected', { exact: true }).waitFor();
        expect((await factsOf(autoCard))['Pairing']).toBe('Paired (Auto)');
      } finally {
        await context.close();
        await autoPort.close();
        await adjacent.stop();
        await rm(autoStore, { recursive: true, force: true });
      }
    });

    it('hands the account to a phone that asks for it, and empties the password field once sent', async () => {
      phone.send('sign-in-request credentials');
      await tab('Sign-in').click();
      const password = page.getByLabel('Password');
      await password.waitFor();
      // The account comes from Settings.
      const account = page.getByLabel('Account');
      expect(await account.inputValue()).toBe('amosm@contoso.com');
      // Refused (not a UPN): the password is gone from the page all the same.
      await account.fill('amosm@contoso');
      await password.fill('correct horse battery staple');
      await page.getByRole('button', { name: 'Sign in on the phone' }).click();
      await page.locator('.outcome.error').filter({ hasText: 'is not a user name' }).waitFor();
      expect(await password.inputValue()).toBe('');
      await account.fill('amosm@contoso.com');
      await password.fill('correct horse battery staple');
      const from = phone.mark();
      await page.getByRole('button', { name: 'Sign in on the phone' }).click();
      const signedIn = await phone.waitFor('sign-in', 10_000, from);
      expect(signedIn['user']).toBe('amosm@contoso.com');
      await page.getByText('Signed in as amosm@contoso.com.').waitFor();
      expect(await page.locator('input[type="password"]').count()).toBe(0);
      const log = await port.diagnostics();
      expect(JSON.stringify(log)).not.toContain('correct horse');
    });

    it('unpairs after a confirmation, and focus returns to the card', async () => {
      await tab('Phones').click();
      await card().getByRole('button', { name: 'Unpair…' }).click();
      const dialog = page.getByRole('dialog', { name: /Unpair/ });
      // The safe choice has the focus.
      expect(
        await dialog.getByRole('button', { name: 'Cancel' }).evaluate((el) => el === document.activeElement),
      ).toBe(true);
      const from = phone.mark();
      await dialog.getByRole('button', { name: 'Unpair', exact: true }).click();
      await phone.waitFor('unpaired', 10_000, from);
      await card().getByText('Not paired', { exact: true }).waitFor();
      await card().getByRole('status').filter({ hasText: 'Unpaired' }).waitFor();
      const pair = card().getByRole('button', { name: 'Pair with code…' });
      expect(await pair.evaluate((el) => el === document.activeElement)).toBe(true);
      expect(consoleErrors).toEqual([]);
    });

    describe('Poly and Yealink phones', () => {
      const YEALINK_PASSWORD = 'Yl-9f2c-admin';
      let vendorStore: string;
      let vendorPort: CompanionPort;
      let vendorBridge: ReturnType<typeof bridgeTo>;
      let context: BrowserContext;
      let view: Page;
      const vendorPhones: Phone[] = [];

      beforeAll(async () => {
        vendorStore = await mkdtemp(path.join(os.tmpdir(), 'btoe-window-vendor-'));
        vendorPort = await createCompanionPort([lockSource], {
          storeDir: path.join(vendorStore, 'companion'),
          usb: false,
        });
        vendorBridge = bridgeTo(vendorPort);
        context = await browser.newContext({ locale: 'en-GB', viewport: { width: 900, height: 900 } });
        view = await openWindow(context, vendorBridge);
      }, 60_000);

      afterAll(async () => {
        await context?.close();
        await vendorPort?.close();
        await Promise.all(vendorPhones.map((p) => p.stop()));
        if (vendorStore) await rm(vendorStore, { recursive: true, force: true });
      });

      const openAddDialog = async (on: Page = view) => {
        await on.getByRole('button', { name: 'Add a Poly or Yealink phone…' }).click();
        const dialog = on.getByRole('dialog', { name: 'Add a Poly or Yealink phone' });
        await dialog.waitFor();
        return dialog;
      };
      const vendorCard = (driver: string, on: Page = view) =>
        on.locator('.phone').filter({ hasText: driver });

      it('adds a Yealink phone: a wrong password shows the phone’s refusal with the form kept, then the card says lock sync is not available and why', async () => {
        const { phone: yealink, url } = await startVendorPhone('yealink', [
          '--password',
          YEALINK_PASSWORD,
          '--limit-ip',
          '127.0.0.1',
          '--no-prompt',
          '--mac',
          '001565AABBCC',
        ]);
        vendorPhones.push(yealink);
        const dialog = await openAddDialog();
        const vendor = dialog.getByLabel('Phone', { exact: true });
        expect(await vendor.evaluate((el) => el === document.activeElement)).toBe(true);
        expect(await dialog.getByLabel('Admin user').inputValue()).toBe('Polycom');
        await vendor.selectOption('yealink');
        // The admin user follows the vendor; a bare address gets the vendor's scheme.
        expect(await dialog.getByLabel('Admin user').inputValue()).toBe('admin');
        const address = url.replace(/^http:\/\//, '');
        await dialog.getByLabel('Address or URL').fill(address);
        await dialog.getByText(`The companion connects to ${url}.`).waitFor();

        await dialog.getByLabel('Admin password').fill('not-the-password');
        await dialog.getByRole('button', { name: 'Add phone' }).click();
        const refused = dialog.getByRole('alert');
        await refused.filter({ hasText: 'The phone refused the user name or password' }).waitFor();
        // The rest of the form is kept for a fix; the password is gone from the page.
        expect(await dialog.getByLabel('Address or URL').inputValue()).toBe(address);
        expect(await dialog.getByLabel('Admin user').inputValue()).toBe('admin');
        expect(await dialog.getByLabel('Admin password').inputValue()).toBe('');
        expect(await dialog.getByLabel('Admin password').getAttribute('aria-invalid')).toBe('true');
        await expect
          .poll(() => dialog.getByLabel('Admin password').evaluate((el) => el === document.activeElement))
          .toBe(true);
        expect(await seriousViolations(view)).toEqual([]);
        await view.screenshot({ path: path.join(SCREENSHOTS, 'add-phone-dialog-en-light.png') });

        await dialog.getByLabel('Admin password').fill(YEALINK_PASSWORD);
        await dialog.getByLabel('Admin password').press('Enter');
        await dialog
          .getByRole('status')
          .filter({ hasText: 'is added, driven through the Yealink Action URI' })
          .waitFor();
        const done = dialog.getByRole('button', { name: 'Done' });
        await expect.poll(() => done.evaluate((el) => el === document.activeElement)).toBe(true);
        await view.keyboard.press('Enter');
        await dialog.waitFor({ state: 'hidden' });
        const addButton = view.getByRole('button', { name: 'Add a Poly or Yealink phone…' });
        expect(await addButton.evaluate((el) => el === document.activeElement)).toBe(true);

        const card = vendorCard('Yealink Action URI');
        await card.getByText('1001@pbx.example.com: registered').waitFor({ timeout: 15_000 });
        const facts = await factsOf(card);
        expect(facts).toMatchObject({
          Pairing: 'Added (admin API)',
          Driver: 'Yealink Action URI',
          'Lock sync': 'Lock sync is not available on this phone',
          'Line 1': '1001@pbx.example.com: registered',
        });
        // The firmware against the minimums table; the MAC comes with the phone's first event, not before.
        expect(facts['Firmware']).toMatch(/^96\.86\.0\.100 \(minimum .+\)$/);
        expect(Object.keys(facts)).not.toContain('PC port');
        expect(await card.getByTestId('lock-sync-unavailable').innerText()).toBe(
          'The Yealink Action URI cannot lock or unlock the phone. A phone that speaks the open BToE protocol (a firmware that adds it) would enable lock sync.',
        );
        // The password went to the secret store only: not into the log, not into the window's status.
        expect(JSON.stringify(await vendorPort.diagnostics())).not.toContain(YEALINK_PASSWORD);
        expect(JSON.stringify(await vendorPort.status())).not.toContain(YEALINK_PASSWORD);
        expect(consoleErrors).toEqual([]);
      });

      it('shows an HTTPS phone’s certificate to confirm before adding it, then its card and call controls', async () => {
        const { phone, url, ready } = await startVendorPhone('yealink', [
          '--https',
          '--password',
          YEALINK_PASSWORD,
          '--limit-ip',
          '127.0.0.1',
          '--no-prompt',
          '--mac',
          '001565AABBCD',
        ]);
        vendorPhones.push(phone);
        const expected = new X509Certificate(String(ready['certificate'])).fingerprint256;
        const dialog = await openAddDialog();
        await dialog.getByLabel('Phone', { exact: true }).selectOption('yealink');
        await dialog.getByLabel('Address or URL').fill(url);
        await dialog.getByLabel('Admin password').fill(YEALINK_PASSWORD);
        await dialog.getByRole('button', { name: 'Add phone' }).click();

        const certificate = dialog.getByTestId('add-phone-certificate');
        await certificate.waitFor();
        expect(await certificate.getByTestId('certificate-sha256').innerText()).toBe(expected);
        await certificate.getByText('Check that this matches the phone').waitFor();
        const trust = certificate.getByRole('button', { name: 'Trust and add' });
        await expect.poll(() => trust.evaluate((el) => el === document.activeElement)).toBe(true);
        expect(await seriousViolations(view)).toEqual([]);
        await trust.click();
        await dialog.getByRole('status').filter({ hasText: 'is added' }).waitFor();
        await dialog.getByRole('button', { name: 'Done' }).click();
        await dialog.waitFor({ state: 'hidden' });

        const card = view.locator('.phone').filter({ hasText: url });
        await card.getByText('1001@pbx.example.com: registered').waitFor({ timeout: 15_000 });
        expect(await factsOf(card)).toMatchObject({
          Driver: 'Yealink Action URI',
          Identity: 'Verified',
          'Lock sync': 'Lock sync is not available on this phone',
        });
        // Calls: the phone is one to dial from, with the controls its driver has.
        await tab('Calls', view).click();
        await view
          .getByLabel('Phone', { exact: true })
          .locator('option')
          .filter({ hasText: 'Yealink' })
          .first()
          .waitFor({ state: 'attached' });
        await tab('Phones', view).click();

        // Removed after a confirmation: its card goes, and so does its password from the secret store.
        await card.getByRole('button', { name: 'Remove…' }).click();
        const remove = view.getByRole('dialog', { name: /^Remove / });
        await remove.getByText('deletes its admin password').waitFor();
        await remove.getByRole('button', { name: 'Remove', exact: true }).click();
        await card.waitFor({ state: 'detached' });
        expect(await vendorCard('Yealink Action URI').count()).toBe(1);
      });

      it('adds a Poly phone: its certificate confirmed, a wrong password refused in the phone’s words, then its card and calls with the controls its driver has', async () => {
        const POLY_PASSWORD = 'Pv-47e1-admin';
        const {
          phone: poly,
          url,
          ready,
        } = await startVendorPhone('poly', [
          '--password',
          POLY_PASSWORD,
          '--mac',
          '00:04:f2:aa:bb:cc',
          '--answer-delay',
          '300',
        ]);
        vendorPhones.push(poly);
        const dialog = await openAddDialog();
        // Poly is the default, with its REST API's user; a bare address means HTTPS.
        expect(await dialog.getByLabel('Admin user').inputValue()).toBe('Polycom');
        const address = url.replace(/^https:\/\//, '');
        await dialog.getByLabel('Address or URL').fill(address);
        await dialog.getByText(`The companion connects to ${url}.`).waitFor();
        await dialog.getByLabel('Admin password').fill('not-the-password');
        await dialog.getByRole('button', { name: 'Add phone' }).click();

        const certificate = dialog.getByTestId('add-phone-certificate');
        await certificate.waitFor();
        expect(await certificate.getByTestId('certificate-sha256').innerText()).toBe(String(ready['sha256']));
        await certificate
          .getByText('Check that this matches the phone: Settings > Status > Platform > Phone')
          .waitFor();
        const trust = certificate.getByRole('button', { name: 'Trust and add' });
        await expect.poll(() => trust.evaluate((el) => el === document.activeElement)).toBe(true);
        expect(await seriousViolations(view)).toEqual([]);
        await view.screenshot({ path: path.join(SCREENSHOTS, 'add-phone-certificate-en-light.png') });
        await view.keyboard.press('Enter');

        // The phone's refusal, as the Poly client words it; the form is back with the password emptied.
        await dialog
          .getByRole('alert')
          .filter({ hasText: 'the phone refused the password (HTTP 401)' })
          .waitFor();
        expect(await dialog.getByLabel('Address or URL').inputValue()).toBe(address);
        expect(await dialog.getByLabel('Admin password').inputValue()).toBe('');
        // The certificate trusted a moment ago is not asked about again for the same phone.
        await dialog.getByLabel('Admin password').fill(POLY_PASSWORD);
        await dialog.getByLabel('Admin password').press('Enter');
        await dialog
          .getByRole('status')
          .filter({ hasText: 'is added, driven through the Poly REST API' })
          .waitFor();
        await dialog.getByRole('button', { name: 'Done' }).click();
        await dialog.waitFor({ state: 'hidden' });

        const card = vendorCard('Poly REST API');
        await card.getByText('00:04:f2:aa:bb:cc').waitFor({ timeout: 15_000 });
        const facts = await factsOf(card);
        expect(facts).toMatchObject({
          Pairing: 'Added (admin API)',
          Driver: 'Poly REST API',
          Identity: 'Verified',
          'Lock sync': 'Lock sync is not available on this phone',
          'MAC address': '00:04:f2:aa:bb:cc',
          'Line 1': '1001@pbx.example.com: registered',
        });
        expect(facts['Firmware']).toMatch(/^6\.4\.3 \(minimum .+\)$/);
        expect(await card.getByTestId('lock-sync-unavailable').innerText()).toContain(
          'The Poly REST API cannot lock or unlock the phone.',
        );
        await card.screenshot({ path: path.join(SCREENSHOTS, 'vendor-phone-poly-en-light.png') });

        // Calls: dial from the Poly phone; its call state comes back, with the controls the driver has.
        await tab('Calls', view).click();
        const phoneChoice = view.getByLabel('Phone', { exact: true });
        if (await phoneChoice.count()) {
          const id = await phoneChoice.locator('option').filter({ hasText: 'Poly' }).getAttribute('value');
          await phoneChoice.selectOption(String(id));
        }
        await view.getByLabel('Number or address').fill('+33142685300');
        await view.getByRole('button', { name: 'Call', exact: true }).click();
        await poly.waitFor((e) => e.event === 'call' && e['number'] === '+33142685300');
        const current = view.getByTestId('current-call').filter({ hasText: 'Call to +33142685300' });
        await current.getByTestId('call-state').filter({ hasText: 'In call' }).waitFor({ timeout: 15_000 });
        expect(await current.getByTestId('call-driver').innerText()).toContain('Poly REST API');
        for (const control of ['Hold', 'Mute', 'Hang up'])
          await current.getByRole('button', { name: control }).waitFor();
        await current.getByRole('button', { name: 'Hang up' }).click();
        await poly.waitFor((e) => e.event === 'call' && e['state'] === 'Disconnected');
        await current.waitFor({ state: 'detached', timeout: 15_000 });
        await tab('Phones', view).click();
        expect(consoleErrors).toEqual([]);
      });

      it(
        'has no serious accessibility violation in the add dialog or on a vendor phone’s card, in English and French, light and dark',
        { timeout: 120_000 },
        async () => {
          const found: string[] = [];
          for (const language of ['en', 'fr'] as const) {
            for (const colorScheme of ['light', 'dark'] as const) {
              const themed = await browser.newContext({
                locale: language === 'en' ? 'en-GB' : 'fr-FR',
                colorScheme,
                viewport: { width: 900, height: 900 },
              });
              const page = await openWindow(themed, vendorBridge);
              const card = page.locator('.phone').first();
              await card.locator('.phone-facts').waitFor();
              found.push(
                ...(await seriousViolations(page)).map((v) => `phones ${language} ${colorScheme}: ${v}`),
              );
              await card.screenshot({
                path: path.join(SCREENSHOTS, `vendor-phone-${language}-${colorScheme}.png`),
              });
              await page.locator('[data-action="add-vendor-phone"]').click();
              await page.getByRole('dialog').waitFor();
              found.push(
                ...(await seriousViolations(page)).map((v) => `add dialog ${language} ${colorScheme}: ${v}`),
              );
              await page.keyboard.press('Escape');
              await page.getByRole('dialog').waitFor({ state: 'hidden' });
              await themed.close();
            }
          }
          expect(found).toEqual([]);
        },
      );
    });
  },
);
