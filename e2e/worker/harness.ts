/**
 * The harness every e2e/worker spec shares: the sluice client in a real page (page.ts), against a host in a real
 * browser Web Worker (host-worker.ts), over a real DOM MessagePort. Both sides are bundled from the published
 * entry points (sluice/main, sluice/renderer) with esbuild, and served from a throwaway local server (a Worker
 * cannot load from file://).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { type Page, test } from '@playwright/test'
import { build } from 'esbuild'
import type { HostStats } from 'sluice/main'
import type { Client } from 'sluice/renderer'
import type * as Api from './api'

/** What page.ts puts on `window`. */
export type PageGlobals = {
  api: Client<typeof Api>
  hostStats(): Promise<HostStats>
  rxjs: typeof import('rxjs')
  release(x: unknown): void
  ready?: boolean
  upload?: Promise<unknown>
}

/**
 * Registers the spec file's beforeAll (bundle, then serve) and afterAll (stop serving), and returns `open(page)`,
 * which loads the page and waits until its client is connected. `title` names the page, for traces.
 */
export function servePageAndWorker(title: string): { open(page: Page): Promise<void> } {
  let server: Server | undefined
  let origin = ''
  test.beforeAll(async () => {
    const out = await build({
      entryPoints: { page: join(__dirname, 'page.ts'), 'host-worker': join(__dirname, 'host-worker.ts') },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'chrome120',
      write: false,
      outdir: '/',
      logLevel: 'error',
    })
    const files = new Map<string, string>(out.outputFiles.map((f) => [f.path, f.text]))
    files.set('/index.html', `<!doctype html><meta charset="utf-8"><title>${title}</title><script type="module" src="./page.js"></script>`)
    const s = createServer((req, res) => {
      const body = files.get(req.url === '/' ? '/index.html' : (req.url ?? ''))
      if (body === undefined) return void res.writeHead(404).end()
      res.writeHead(200, { 'content-type': req.url?.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(body)
    })
    server = s
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(s.address() as AddressInfo).port}`
  })
  test.afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve))
  })
  return {
    async open(page) {
      await page.goto(`${origin}/`)
      await page.waitForFunction(() => (window as unknown as PageGlobals).ready === true)
    },
  }
}
