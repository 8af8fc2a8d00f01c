/**
 * The built main bundle (out/main/index.js), run in Node with a stand-in for the `electron` module: a smoke
 * test of what only a real Electron would otherwise show. The bundle must find `electron` through the CJS
 * `require` (serve() looks it up lazily), fork the hashing namespace's utility process from the entry built beside
 * it, create its window with the security defaults, serve the api to an allowed file:// frame (listing the routed
 * namespace), refuse other origins, keep navigation inside the app, and open only the About window.
 * The real thing runs in e2e/electron wherever an Electron binary exists. Needs `npm run build`.
 */
import { EventEmitter } from 'node:events'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import vm from 'node:vm'
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import { expect, test } from '@playwright/test'

const root = join(__dirname, '../..')

/** MessagePortMain: an EventEmitter with start(); messages arrive as { data }. */
class PortMain extends EventEmitter {
  constructor(readonly inner: MessagePort) {
    super()
    inner.on('close', () => this.emit('close'))
  }
  postMessage(message: unknown) {
    this.inner.postMessage(message)
  }
  start() {
    this.inner.on('message', (data: unknown) => this.emit('message', { data, ports: [] }))
  }
  close() {
    this.inner.close()
  }
}

test('the main bundle wires windows, serve() and the navigation rules', async () => {
  const windows: { options: { webPreferences?: Record<string, unknown> }; loaded: unknown[] }[] = []
  const opened: string[] = []
  const app = Object.assign(new EventEmitter(), {
    isPackaged: false,
    getAppPath: () => root,
    whenReady: () => Promise.resolve(),
    quit: () => {},
  })
  class BrowserWindow extends EventEmitter {
    static getAllWindows = () => windows
    readonly record: (typeof windows)[number]
    webContents = new EventEmitter()
    constructor(options: { webPreferences?: Record<string, unknown> }) {
      super()
      this.record = { options, loaded: [] }
      windows.push(this.record)
    }
    loadFile(...args: unknown[]) {
      this.record.loaded.push(['file', ...args])
      return Promise.resolve()
    }
    loadURL(...args: unknown[]) {
      this.record.loaded.push(['url', ...args])
      return Promise.resolve()
    }
    isDestroyed = () => false
    focus() {}
  }
  const ipcMain = new EventEmitter()
  // The hashing host's utility process: main forks it once the app is ready (and would post ports to it).
  const forked: string[] = []
  const utilityProcess = {
    fork(path: string) {
      forked.push(path)
      return Object.assign(new EventEmitter(), { pid: 4242, postMessage() {}, kill: () => true })
    },
  }
  const electron = {
    app,
    BrowserWindow,
    ipcMain,
    utilityProcess,
    shell: { openExternal: async (url: string) => void opened.push(url) },
    MessageChannelMain: class {
      port1: PortMain
      port2: PortMain
      constructor() {
        const { port1, port2 } = new MessageChannel()
        this.port1 = new PortMain(port1)
        this.port2 = new PortMain(port2)
      }
    },
  }

  const required: string[] = []
  // Two entries (index, hashing-host) share the bundler's chunks: loaded like the bundle itself, with this require.
  const chunks = new Map<string, unknown>()
  const fakeRequire = (id: string): unknown => {
    required.push(id)
    if (id === 'electron') return electron
    if (/^\.\/chunks\/[\w.-]+\.js$/.test(id)) {
      if (!chunks.has(id)) chunks.set(id, load(join(root, 'out/main', id)))
      return chunks.get(id)
    }
    if (id.startsWith('node:') || ['url', 'path', 'fs', 'module'].includes(id)) return require(id)
    throw new Error(`the main bundle should need no package at run time, but required ${id}`)
  }
  // serve() checks that it runs in Electron's main process: make this worker look like one, for this test only.
  const proc = process as NodeJS.Process & { type?: string }
  Object.defineProperty(process.versions, 'electron', { value: '45.4.1', configurable: true })
  proc.type = 'browser'
  const devServer = process.env['ELECTRON_RENDERER_URL']
  Reflect.deleteProperty(process.env, 'ELECTRON_RENDERER_URL')
  const restore = () => {
    delete (process.versions as Record<string, string | undefined>)['electron']
    Reflect.deleteProperty(proc, 'type')
    if (devServer !== undefined) (process.env as Record<string, string>)['ELECTRON_RENDERER_URL'] = devServer
  }
  try {
    await checkBundle()
  } finally {
    restore()
  }

  /** Runs a CommonJS file of out/main as Node would, but with fakeRequire; returns its exports. */
  function load(file: string): unknown {
    const code = readFileSync(file, 'utf8')
    const run = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {\n${code}\n})`, {
      filename: file,
    }) as (...args: unknown[]) => void
    const module = { exports: {} }
    run(module.exports, fakeRequire, module, file, join(root, 'out/main'))
    return module.exports
  }

  async function checkBundle() {
    load(join(root, 'out/main/index.js'))
    await new Promise((r) => setImmediate(r))

    // Packages are bundled: only electron, Node built-ins and the bundle's own chunks are required. electron
    // twice: once by the app's own import, once by serve()'s lazy lookup (which went through the bundle's CJS
    // require).
    expect(required.filter((id) => !id.startsWith('node:') && !id.startsWith('./chunks/'))).toEqual(['electron', 'electron'])

    // The hashing namespace's utility process: forked once, from its own entry built beside index.js.
    expect(forked).toEqual([join(root, 'out/main/hashing-host.js')])
    expect(existsSync(forked[0]!)).toBe(true)

    // One main window, with the security defaults and the built preload and page.
    expect(windows).toHaveLength(1)
    const prefs = windows[0]!.options.webPreferences!
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false })
    expect(existsSync(prefs.preload as string)).toBe(true)
    expect(windows[0]!.loaded[0]).toEqual(['file', join(root, 'out/renderer/index.html'), undefined])

    // serve(): a file:// frame gets a port and a working api; another origin gets a refusal.
    const warn = console.warn
    const warnings: string[] = []
    console.warn = (m: string) => void warnings.push(m)
    try {
      const hello = (url: string, origin: string) =>
        new Promise<{ reply: unknown; port?: PortMain }>((resolve) => {
          const frame = {
            url,
            origin,
            processId: 7,
            routingId: 1,
            frameTreeNodeId: 1,
            parent: null,
            postMessage: (_channel: string, reply: unknown, transfer: PortMain[] = []) => resolve({ reply, port: transfer[0] }),
          }
          const sender = Object.assign(new EventEmitter(), { id: 1, isDestroyed: () => false })
          ipcMain.emit('sluice:hello', { sender, senderFrame: frame }, 5)
        })
      const ok = await hello(`file://${join(root, 'out/renderer/index.html')}`, 'file://')
      // main's own port, and the namespaces other processes serve (connect() routes api.hashing.* there).
      expect(ok.reply).toEqual({ request: 5, routes: ['hashing'] })
      const answer = new Promise<unknown>((resolve) => ok.port!.inner.once('message', resolve))
      ok.port!.inner.postMessage([{ t: 'call', id: 1, path: ['listSamples'], args: { v: [] } }])
      const [frame] = (await answer) as [{ t: string; id: number; value: { v: { file: string }[] } }]
      expect(frame).toMatchObject({ t: 'result', id: 1 })
      expect(frame.value.v.map((f) => f.file)).toContain('data/sensor-dump.json')
      ok.port!.inner.close()

      const refused = await hello('https://evil.example/', 'https://evil.example')
      expect(refused.port).toBeUndefined()
      expect(refused.reply).toMatchObject({ refused: expect.stringContaining('https://evil.example') })
      expect(warnings.join('\n')).toMatch(/refused a port/)
    } finally {
      console.warn = warn
    }

    // Navigation stays in the app; window.open opens only the About window (https goes to the browser).
    let openHandler: ((details: { url: string }) => { action: string }) | undefined
    const contents = Object.assign(new EventEmitter(), { setWindowOpenHandler: (h: typeof openHandler) => (openHandler = h) })
    app.emit('web-contents-created', {}, contents)
    const navigate = (url: string) => {
      let prevented = false
      contents.emit('will-navigate', { preventDefault: () => (prevented = true) }, url)
      return prevented
    }
    expect(navigate('https://evil.example/')).toBe(true)
    expect(navigate(`file://${join(root, 'out/renderer/index.html')}?view=about`)).toBe(false)
    expect(openHandler!({ url: `file://${join(root, 'out/renderer/index.html')}?view=about` })).toEqual({ action: 'deny' })
    expect(windows).toHaveLength(2)
    expect(windows[1]!.loaded[0]).toEqual(['file', join(root, 'out/renderer/index.html'), { query: { view: 'about' } }])
    expect(openHandler!({ url: 'https://electronjs.org/' })).toEqual({ action: 'deny' })
    expect(opened).toEqual(['https://electronjs.org/'])
    expect(openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' })
    expect(windows).toHaveLength(2)
  }
})
