// The renderer in a real browser: built with vite, served over HTTP on 127.0.0.1, driven in Debian's
// Chromium by playwright-core, with a fake `window.btoe` standing in for the preload.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../main/electron/content-security-policy.js';
import type { BtoeApi, CompanionView, PairRequest, PairResult } from '../../contract/window.js';
import { needs } from '../helpers/needs.js';

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
const MISSING = `${CHROMIUM} is not installed (apt-get install -y chromium)`;

const STATUS: CompanionView = {
  pairingMode: 'auto',
  secretStore: 'Windows Credential Manager',
  phones: [
    {
      id: 'vvx450-64167f2a1b3c',
      name: 'Lab desk',
      vendor: 'Poly',
      model: 'VVX 450',
      firmware: '6.4.3',
      address: '169.254.10.2',
      paired: true,
      connected: true,
      onThisPcPort: true,
      mode: 'auto',
      locked: false,
    },
    {
      id: 'ccx500-0004f2aabbcc',
      name: 'Reception',
      vendor: 'Poly',
      model: 'CCX 500',
      firmware: '8.1.0',
      address: '10.0.4.21',
      paired: false,
      connected: false,
      onThisPcPort: false,
      mode: 'manual',
      locked: null,
    },
  ],
};

/** What the page sees as `window.btoe`, plus what the test reads back. */
interface FakeBridge {
  btoe: BtoeApi;
  pairCalls: PairRequest[];
  push(view: CompanionView): void;
}

/**
 * Runs in the page before its scripts (serialised by Playwright: it must not use anything from this
 * module's scope). Pairing succeeds unless the device is "unknown".
 */
function installFakeBridge(initial: CompanionView): void {
  const listeners = new Set<(view: CompanionView) => void>();
  const fake: FakeBridge = {
    pairCalls: [],
    push: (view) => listeners.forEach((listener) => listener(view)),
    btoe: {
      getStatus: async () => initial,
      pair: async (request): Promise<PairResult> => {
        fake.pairCalls.push(request);
        return request.device === 'unknown'
          ? { ok: false, message: 'No phone called “unknown” answered.' }
          : { ok: true, message: `Paired with ${request.device}.` };
      },
      onStatusChanged: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
  };
  Object.assign(globalThis, { btoe: fake.btoe, fakeBridge: fake });
}

const fakeBridgeOf = (page: Page): Promise<Pick<FakeBridge, 'pairCalls'>> =>
  page.evaluate(() => {
    const { pairCalls } = (globalThis as unknown as { fakeBridge: FakeBridge }).fakeBridge;
    return { pairCalls };
  });

/** A card's facts as { term: value }. */
async function factsOf(card: Locator): Promise<Record<string, string>> {
  const terms = await card.locator('dt').allInnerTexts();
  const values = await card.locator('dd').allInnerTexts();
  return Object.fromEntries(terms.map((term, i) => [term, values[i] ?? '']));
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

const noChromium = needs('the renderer end-to-end test', haveChromium ? undefined : MISSING);

describe.skipIf(noChromium !== undefined)(
  noChromium === undefined ? 'renderer in Chromium' : `renderer in Chromium (skipped: ${MISSING})`,
  () => {
    let outDir: string;
    let server: Server;
    let baseUrl: string;
    let browser: Browser;
    let page: Page;
    let consoleErrors: string[];

    beforeAll(async () => {
      outDir = await mkdtemp(path.join(os.tmpdir(), 'btoe-renderer-'));
      await build({
        configFile: fileURLToPath(new URL('../../vite.renderer.config.ts', import.meta.url)),
        mode: 'production',
        logLevel: 'warn',
        build: { outDir, emptyOutDir: true },
      });
      server = await serveStatic(outDir);
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    });

    afterAll(async () => {
      await browser?.close();
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      if (outDir) await rm(outDir, { recursive: true, force: true });
    });

    beforeEach(async () => {
      page = await browser.newPage();
      consoleErrors = [];
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => consoleErrors.push(error.message));
      await page.addInitScript(installFakeBridge, STATUS);
      await page.goto(baseUrl);
    });

    afterEach(async () => {
      await page.close();
    });

    it('runs under the app’s content security policy without violations', async () => {
      await page.getByRole('listitem', { name: 'Lab desk' }).waitFor();
      const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
      expect(csp).toBe(CONTENT_SECURITY_POLICY);
      expect(consoleErrors).toEqual([]);
    });

    it('lists each phone with its pairing state, port and mode', async () => {
      const lab = page.getByRole('listitem', { name: 'Lab desk' });
      await lab.waitFor();
      expect(await page.getByRole('listitem').count()).toBe(2);
      expect(await lab.innerText()).toContain('Poly VVX 450 · firmware 6.4.3 · 169.254.10.2');
      expect(await factsOf(lab)).toEqual({
        Pairing: 'Paired',
        Connection: 'Connected',
        Ethernet: 'On this PC’s port',
        Mode: 'Auto',
        'Phone lock': 'Unlocked',
      });
      expect(await factsOf(page.getByRole('listitem', { name: 'Reception' }))).toEqual({
        Pairing: 'Not paired',
        Connection: 'Not connected',
        Ethernet: 'Not on this PC’s port',
        Mode: 'Manual',
      });
      expect(await page.getByTestId('pairing-mode').innerText()).toBe('Auto');
    });

    it('follows the status the companion pushes', async () => {
      await page.getByRole('listitem', { name: 'Lab desk' }).waitFor();
      const [lab] = STATUS.phones;
      const next: CompanionView = {
        ...STATUS,
        pairingMode: 'manual',
        phones: lab ? [{ ...lab, connected: false }] : [],
      };
      await page.evaluate((view) => {
        (globalThis as unknown as { fakeBridge: FakeBridge }).fakeBridge.push(view);
      }, next);
      await page.getByTestId('pairing-mode').filter({ hasText: 'Manual' }).waitFor();
      expect(await page.getByRole('listitem').count()).toBe(1);
      expect((await factsOf(page.getByRole('listitem', { name: 'Lab desk' })))['Connection']).toBe(
        'Not connected',
      );
    });

    it('pairs with the device and code as typed and shows the answer', async () => {
      await page.getByLabel('Phone', { exact: true }).fill('ccx500-0004f2aabbcc');
      await page.getByLabel('Pairing code').fill('ab12 - Cd34 xy');
      await page.getByRole('button', { name: 'Pair with Phone' }).click();
      const outcome = page.getByRole('status');
      await outcome.filter({ hasText: 'Paired with ccx500-0004f2aabbcc.' }).waitFor();
      expect((await fakeBridgeOf(page)).pairCalls).toEqual([
        { device: 'ccx500-0004f2aabbcc', code: 'ab12 - Cd34 xy' },
      ]);
      expect(await page.getByLabel('Pairing code').inputValue()).toBe('');
    });

    it('pairs without a code when none is typed, and shows a refusal', async () => {
      await page.getByLabel('Phone', { exact: true }).fill('unknown');
      await page.getByLabel('Phone', { exact: true }).press('Enter');
      await page.getByRole('status').filter({ hasText: 'No phone called “unknown” answered.' }).waitFor();
      expect((await fakeBridgeOf(page)).pairCalls).toEqual([{ device: 'unknown' }]);
    });
  },
);
