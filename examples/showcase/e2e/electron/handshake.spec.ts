/**
 * The handshake cases that the unit tests can only fake (issue 9): a reload while the first hello is in
 * flight, a sub-frame with its own port (and a sandboxed one that must get none), and exposeApi() mode in a
 * sandboxed window. Each opens its own window from the main process, next to the showcase's main window,
 * whose footer shows the host's connections and live streams.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { contentsIdOf, expect, hostCounts, test } from './fixtures'

const out = join(__dirname, '../../out')
const templatePreload = join(out, 'preload/index.js')
const renderer = pathToFileURL(join(out, 'renderer/index.html')).href

/** Writes `html` to a fresh file: page (the default allowOrigins serves file: pages). */
function page(html: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-e2e-'))
  const file = join(dir, 'index.html')
  writeFileSync(file, `<!doctype html><html><head><meta charset="utf-8"></head><body>${html}</body></html>`)
  return file
}

test.describe('the handshake in real Electron', () => {
  test('a reload while the first hello is in flight still ends with one working connection', async ({ app, main }) => {
    const id = await contentsIdOf(app, 'renderer/index.html')
    // Two reloads 1 ms apart: the second commits while the first document's hello may still be unanswered.
    await app.evaluate(({ webContents }, contentsId) => {
      const wc = webContents.fromId(contentsId)!
      wc.reload()
      setTimeout(() => wc.reload(), 1)
    }, id)
    await expect(main.getByTestId('host-stats')).toContainText('connection')
    await expect.poll(async () => (await hostCounts(main)).connections).toBe(1)
    await main.getByTestId('process-start').click()
    await expect(main.getByTestId('process-ok')).toHaveText('10 ok')
  })

  test('a sub-frame gets its own port (mainFrame: false); a sandboxed file: iframe, whose origin is opaque, gets none', async ({ app, main }) => {
    const file = page(
      `<iframe id="own" name="own" src="${renderer}?view=about" width="460" height="400"></iframe>` +
        `<iframe id="opaque" sandbox="allow-scripts" src="${renderer}?view=about" width="460" height="400"></iframe>`,
    )
    const [win] = await Promise.all([
      app.waitForEvent('window', (p) => p.url().startsWith('file:') && p.url().includes('sluice-e2e-')),
      app.evaluate(({ BrowserWindow }, args) => {
        const w = new BrowserWindow({
          show: false,
          webPreferences: { preload: args.preload, sandbox: true, contextIsolation: true, nodeIntegrationInSubFrames: true },
        })
        void w.loadFile(args.file)
      }, { preload: templatePreload, file }),
    ])
    await expect(win.frameLocator('#own').getByTestId('about-pulse')).toContainText('Backend time')
    // The host sees the sub-frame as its own peer (getContext().peer, through the app's whoAmI()).
    const own = win.frames().find((f) => f !== win.mainFrame() && f.url().includes('view=about') && f.name() === 'own')
    const who = own ? await own.evaluate(() => window.api.whoAmI()) : undefined
    expect(who).toMatchObject({ mainFrame: false, url: expect.stringContaining('view=about') })
    // Connections: the main window, the test window's top frame (its preload said hello; the port waits for a
    // claim) and the #own frame. A port for the opaque frame would make four; it stays three.
    await expect.poll(async () => (await hostCounts(main)).connections).toBe(3)
    await new Promise((r) => setTimeout(r, 1500))
    expect((await hostCounts(main)).connections).toBe(3)
  })

  test('exposeApi() mode: window.api with no sluice code in the page, in a sandboxed, isolated window', async ({ app, main }) => {
    const bundle = await build({
      stdin: { contents: "import { exposeApi } from 'sluice/preload'\nexposeApi('api')", resolveDir: join(__dirname, '../..'), loader: 'ts' },
      bundle: true,
      format: 'cjs',
      platform: 'browser',
      target: 'es2022',
      external: ['electron'],
      write: false,
      logLevel: 'silent',
    })
    const preload = join(mkdtempSync(join(tmpdir(), 'sluice-preload-')), 'preload.js')
    writeFileSync(preload, bundle.outputFiles[0]!.text)
    const file = page('<p>no scripts here</p>')
    const [win] = await Promise.all([
      app.waitForEvent('window', (p) => p.url().includes('sluice-e2e-')),
      app.evaluate(({ BrowserWindow }, args) => {
        const w = new BrowserWindow({ show: false, webPreferences: { preload: args.preload, sandbox: true, contextIsolation: true } })
        void w.loadFile(args.file)
      }, { preload, file }),
    ])
    const result = await win.evaluate(async () => {
      const api = (window as unknown as { api: Record<string, (...a: unknown[]) => AsyncIterable<string> & PromiseLike<unknown>> }).api
      const got: string[] = []
      const s = api.tokens!(50, 100_000)
      for await (const t of s) got.push(t)
      const who = (await api.whoAmI!()) as { mainFrame?: boolean }
      return { count: got.length, summary: await s, mainFrame: who.mainFrame }
    })
    expect(result.count).toBe(50)
    expect(result.summary).toBeTruthy()
    expect(result.mainFrame).toBe(true)
    await expect.poll(async () => (await hostCounts(main)).connections).toBeGreaterThanOrEqual(2)
  })
})
