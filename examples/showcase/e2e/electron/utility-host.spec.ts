/**
 * Off-main hosts in real Electron (issue 11): what the unit tests can only fake. A small app of its own, built
 * here with esbuild from sluice's sources, so it needs nothing of the template's build:
 * - main: `serve(mainApi, { hosts: { files: utilityHost(utilityProcess.fork('files.js')) } })`;
 * - files.js, the utility process: `serveUtility(filesApi)`;
 * - a sandboxed preload that says the routed hellos itself (`connect()` does not route yet) and relays each
 *   port to the page; the page builds one sluice client per port.
 * It checks what the fakes assume: a MessagePortMain transferred to a utility process carries a renderer's
 * stream directly; a window's close ends its stream there; a utility process's death reaches the page as a
 * DisconnectedError (a renderer port's 'close'); after attach(), the page gets a port again without reloading.
 * Skips, printing why, where there is no Electron binary.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { _electron, expect, test } from '@playwright/test'
import { build } from 'esbuild'
import { findElectron } from '../../../../scripts/electron-binary'

const electronBinary = findElectron()
const sluice = join(__dirname, '../../../../packages/sluice/src')

const MAIN = `
import { app, BrowserWindow, utilityProcess } from 'electron'
import { join } from 'node:path'
import { serve, utilityHost } from '${sluice}/main/index.ts'
const start = () => utilityProcess.fork(join(__dirname, 'files.js'))
const files = utilityHost(start())
Object.assign(globalThis, { files, restart: () => files.attach(start()) })
// Keep running when the window closes: the test reads the host's stats afterwards.
app.on('window-all-closed', () => {})
app.whenReady().then(() => {
  serve({ async where() { return { pid: process.pid } } }, { hosts: { files }, allowOrigins: ['file://'] })
  const w = new BrowserWindow({ show: false, webPreferences: { preload: join(__dirname, 'preload.js'), sandbox: true, contextIsolation: true } })
  void w.loadFile(join(__dirname, 'index.html'))
})
`

const FILES = `
import { getContext, serveUtility } from '${sluice}/main/index.ts'
const state = { finallies: 0 }
serveUtility({
  async where() { return { pid: process.pid, peer: getContext().peer } },
  async *count(every: number) {
    try { for (let i = 0; ; i++) { yield i; await new Promise((r) => setTimeout(r, every)) } }
    finally { state.finallies++ }
  },
  async finallies() { return state.finallies },
  async crash() { setTimeout(() => process.crash(), 10) },
})
`

const PRELOAD = `
import { ipcRenderer } from 'electron'
const token = Math.random().toString(36).slice(2)
let next = 1
window.addEventListener('message', (e) => {
  if (e.source !== window || typeof e.data?.want !== 'string') return
  const request = next++
  const route = e.data.want
  const on = (event: Electron.IpcRendererEvent, reply: { request: number; token: string; refused?: string }) => {
    if (reply?.request !== request || reply.token !== token) return
    ipcRenderer.removeListener('sluice:port', on)
    window.postMessage({ got: route, reply }, '*', event.ports.slice(0, 1))
  }
  ipcRenderer.on('sluice:port', on)
  ipcRenderer.send('sluice:hello', request, token, ...(route === '' ? [] : [route]))
})
`

const PAGE = `
import { createClient } from '${sluice}/renderer/index.ts'
function want(route: string): Promise<MessagePort> {
  return new Promise((resolve, reject) => {
    const on = (e: MessageEvent) => {
      if (e.source !== window || e.data?.got !== route) return
      window.removeEventListener('message', on)
      if (e.ports[0]) resolve(e.ports[0])
      else reject(new Error(e.data.reply?.refused ?? 'no port'))
    }
    window.addEventListener('message', on)
    window.postMessage({ want: route }, '*')
  })
}
const t: Record<string, any> = {
  async connect() {
    t.main = createClient(await want(''))
    t.files = createClient(await want('files'))
  },
  async startCount() {
    t.iter = t.files.count(20)[Symbol.asyncIterator]()
    return (await t.iter.next()).value
  },
  async nextError() {
    try { for (;;) await t.iter.next() } catch (e) { return (e as Error).name }
  },
}
Object.assign(window, { t })
`

async function buildApp(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-utility-e2e-'))
  const common = { bundle: true, write: true, logLevel: 'silent', target: 'es2022', sourcemap: false } as const
  await build({ ...common, stdin: { contents: MAIN, loader: 'ts', resolveDir: dir }, outfile: join(dir, 'main.js'), platform: 'node', format: 'cjs', external: ['electron'] })
  await build({ ...common, stdin: { contents: FILES, loader: 'ts', resolveDir: dir }, outfile: join(dir, 'files.js'), platform: 'node', format: 'cjs', external: ['electron'] })
  await build({ ...common, stdin: { contents: PRELOAD, loader: 'ts', resolveDir: dir }, outfile: join(dir, 'preload.js'), platform: 'browser', format: 'cjs', external: ['electron'] })
  await build({ ...common, stdin: { contents: PAGE, loader: 'ts', resolveDir: dir }, outfile: join(dir, 'page.js'), platform: 'browser', format: 'iife' })
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><meta charset="utf-8"></head><body><script src="page.js"></script></body></html>')
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'sluice-utility-e2e', main: 'main.js' }))
  return dir
}

test.describe('a utility host in real Electron', () => {
  test.skip(electronBinary.path === undefined, electronBinary.reason ?? '')

  test('streams renderer <-> utility process directly; a window close, a crash and a restart behave as the fakes say', async () => {
    const dir = await buildApp()
    const env: Record<string, string> = { ELECTRON_DISABLE_SECURITY_WARNINGS: 'true' }
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'ELECTRON_RUN_AS_NODE') env[k] = v
    const app = await _electron.launch({ executablePath: electronBinary.path!, args: [dir], env, timeout: 60_000 })
    try {
      const page = await app.firstWindow({ timeout: 60_000 })
      await page.waitForFunction(() => 't' in window)
      await page.evaluate(() => (window as any).t.connect())

      // The files namespace runs in another process, and its handler sees which window is calling.
      const mainWhere = await page.evaluate(() => (window as any).t.main.where())
      const filesWhere = await page.evaluate(() => (window as any).t.files.where())
      expect(filesWhere.pid).not.toBe(mainWhere.pid)
      expect(filesWhere.peer).toMatchObject({ mainFrame: true, origin: 'file://', route: 'files' })

      // A live stream, then the host process crashes: the page's live call fails with a DisconnectedError.
      expect(await page.evaluate(() => (window as any).t.startCount())).toBe(0)
      const error = page.evaluate(() => (window as any).t.nextError())
      await page.evaluate(() => (window as any).t.files.crash())
      expect(await error).toBe('DisconnectedError')
      await expect.poll(() => app.evaluate(() => (globalThis as any).files.running)).toBe(false)

      // The app restarts it; the page asks for a files port again, without reloading.
      await app.evaluate(() => (globalThis as any).restart())
      await page.evaluate(async () => {
        const t = (window as any).t
        await t.connect()
      })
      expect(await page.evaluate(() => (window as any).t.startCount())).toBe(0)
      await expect.poll(() => app.evaluate(() => (globalThis as any).files.stats().then((s: any) => s.streams))).toBe(1)

      // The window closes: main tells the utility process, which ends the stream (its finally runs).
      await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.destroy())
      await expect.poll(() => app.evaluate(() => (globalThis as any).files.stats().then((s: any) => [s.connections, s.streams]))).toEqual([0, 0])
    } finally {
      await app.close()
    }
  })
})
