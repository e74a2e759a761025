/**
 * A real browser that renders Mermaid: Debian's Chromium, headless, driven by puppeteer-core, with one page holding
 * the `mermaid` package's own bundled script, configured as GitHub renders Mermaid (strict security, Mermaid's
 * default size limits). Nothing is fetched: the script is injected from node_modules.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { ROOT } from './action.ts';

const MERMAID_SCRIPT = path.join(ROOT, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js');

/** The flags this machine needs: no sandbox as root, and no background connections (the network is closed). */
const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

export interface Rendered {
  svg: string;
  /** The text of every node label, edge label and subgraph title, whitespace collapsed, in document order. */
  labels: string[];
}

export interface MermaidPage {
  /** Renders the text with Mermaid; rejects with Mermaid's message on a syntax error or a limit. */
  render(mermaidText: string): Promise<Rendered>;
  /** Renders and writes a PNG of just the diagram, on white, at twice the pixel density. */
  screenshot(mermaidText: string, pngPath: string): Promise<void>;
  close(): Promise<void>;
}

export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

export async function openMermaidPage(): Promise<MermaidPage> {
  const executablePath = chromiumPath();
  if (!fs.existsSync(executablePath)) {
    throw new Error(`No Chromium at ${executablePath}: install Debian's chromium (scripts/local-account/install.sh does) or set CHROMIUM_PATH.`);
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
  let browser: Browser | undefined;
  try {
    browser = await puppeteer.launch({ executablePath, args: [...FLAGS, `--user-data-dir=${profile}`], headless: true, userDataDir: profile });
    const page = await browser.newPage();
    await page.setContent('<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0;background:#fff"><div id="out"></div></body></html>');
    await page.addScriptTag({ path: MERMAID_SCRIPT });
    await page.evaluate(() => {
      const mermaid = (globalThis as unknown as { mermaid: { initialize(config: object): void } }).mermaid;
      mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', maxTextSize: 50_000, maxEdges: 500, theme: 'default' });
    });
    const opened = browser;
    return {
      render: (text) => render(page, text),
      screenshot: async (text, pngPath) => {
        await render(page, text, true);
        const box = await page.$eval('#out svg', (svg) => {
          const rect = svg.getBoundingClientRect();
          return { x: rect.x, y: rect.y, width: rect.width, height: rect.height };
        });
        await page.setViewport({ width: Math.ceil(box.width + 40), height: Math.ceil(box.height + 40), deviceScaleFactor: 2 });
        const again = await page.$eval('#out svg', (svg) => {
          const rect = svg.getBoundingClientRect();
          return { x: rect.x, y: rect.y, width: rect.width, height: rect.height };
        });
        await page.screenshot({ path: pngPath as `${string}.png`, clip: { x: Math.max(0, again.x - 10), y: Math.max(0, again.y - 10), width: again.width + 20, height: again.height + 20 } });
      },
      close: async () => {
        await opened.close();
        fs.rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser?.close().catch(() => undefined);
    fs.rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}

/** The little of the DOM the page script uses (the project's types are Node's, not the browser's). */
interface PageElement {
  innerHTML: string;
  textContent: string | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
  getAttribute(name: string): string | null;
  remove(): void;
}

let renders = 0;

async function render(page: Page, text: string, keep = false): Promise<Rendered> {
  renders += 1;
  const result = await page.evaluate(
    async (source: string, id: string, keepIt: boolean) => {
      const mermaid = (globalThis as unknown as { mermaid: { parse(text: string): Promise<unknown>; render(id: string, text: string): Promise<{ svg: string }> } }).mermaid;
      const page = (globalThis as unknown as { document: { getElementById(id: string): PageElement | null } }).document;
      const out = page.getElementById('out') as PageElement;
      out.innerHTML = '';
      try {
        await mermaid.parse(source);
        const { svg } = await mermaid.render(id, source);
        out.innerHTML = svg;
        const root = out.querySelector('svg');
        // Over maxTextSize, Mermaid draws a one-node picture saying so instead of throwing.
        if (!root || root.getAttribute('aria-roledescription') === 'error' || /Syntax error in text|Maximum text size in diagram exceeded/.test(root.textContent ?? '')) {
          return { error: `Mermaid drew its error picture: ${root?.textContent ?? 'no svg'}` };
        }
        const labels = [...root.querySelectorAll('.nodeLabel, .edgeLabel, .cluster-label, text')]
          .map((element) => (element.textContent ?? '').replace(/\s+/g, ' ').trim())
          .filter((label) => label !== '');
        if (!keepIt) out.innerHTML = '';
        return { svg, labels };
      } catch (error) {
        // Mermaid leaves an element of its own behind on a failed render.
        page.getElementById(`d${id}`)?.remove();
        return { error: error instanceof Error ? error.message : String(error) };
      }
    },
    text,
    `picture${renders}`,
    keep,
  );
  if ('error' in result) throw new Error(`Mermaid: ${result.error}`);
  return result;
}
