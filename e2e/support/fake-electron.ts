/**
 * A stand-in for the `electron` module, as far as a built main bundle touches it at start-up and when serve()
 * answers a hello: app, BrowserWindow, ipcMain, shell and MessageChannelMain (over node:worker_threads ports).
 * For checks of bundles that only a real Electron could otherwise run (the real thing: e2e/electron).
 */
import { EventEmitter } from 'node:events'
import Module from 'node:module'
import { dirname } from 'node:path'
import vm from 'node:vm'
import { MessageChannel, type MessagePort } from 'node:worker_threads'

/** MessagePortMain: an EventEmitter with start(); messages arrive as { data }. */
export class PortMain extends EventEmitter {
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

export interface LoadedMain {
  windows: { options: { webPreferences?: Record<string, unknown> }; loaded: unknown[] }[]
  ipcMain: EventEmitter
  app: EventEmitter
  opened: string[]
  /** Every id the bundle itself required. */
  required: string[]
  restore(): void
}

export async function loadMainBundle(file: string, requireOther: (id: string) => unknown): Promise<LoadedMain> {
  const windows: LoadedMain['windows'] = []
  const opened: string[] = []
  const app = Object.assign(new EventEmitter(), {
    isPackaged: false,
    getAppPath: () => dirname(dirname(dirname(file))),
    whenReady: () => Promise.resolve(),
    quit: () => {},
    setAppUserModelId: () => {},
  })
  class BrowserWindow extends EventEmitter {
    static getAllWindows = () => windows
    readonly record: LoadedMain['windows'][number]
    webContents = Object.assign(new EventEmitter(), { setWindowOpenHandler: () => {} })
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
    show() {}
    isDestroyed = () => false
    focus() {}
  }
  const ipcMain = new EventEmitter()
  const electron = {
    app,
    BrowserWindow,
    ipcMain,
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
  // Packages the bundle leaves external may require electron too: they get the stand-in as well.
  const M = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown }
  const load = M._load
  M._load = (request, ...rest) => (request === 'electron' ? electron : load(request, ...rest))
  // serve() checks that it runs in Electron's main process: make this process look like one, until restore().
  const proc = process as NodeJS.Process & { type?: string }
  Object.defineProperty(process.versions, 'electron', { value: '45.4.1', configurable: true })
  proc.type = 'browser'
  const devServer = process.env['ELECTRON_RENDERER_URL']
  Reflect.deleteProperty(process.env, 'ELECTRON_RENDERER_URL')
  const restore = () => {
    M._load = load
    delete (process.versions as Record<string, string | undefined>)['electron']
    Reflect.deleteProperty(proc, 'type')
    if (devServer !== undefined) (process.env as Record<string, string>)['ELECTRON_RENDERER_URL'] = devServer
  }
  const required: string[] = []
  try {
    const code = (await import('node:fs')).readFileSync(file, 'utf8')
    const run = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {\n${code}\n})`, { filename: file }) as (...args: unknown[]) => void
    const module = { exports: {} }
    const fakeRequire = (id: string) => (required.push(id), id === 'electron' ? electron : requireOther(id))
    run(module.exports, fakeRequire, module, file, dirname(file))
    await new Promise((r) => setImmediate(r))
  } catch (e) {
    restore()
    throw e
  }
  return { windows, ipcMain, app, opened, required, restore }
}

/** Sends serve() a hello from a frame at `url`; posts `frames` on the port it answers with; resolves with the first reply. */
export function hello(loaded: LoadedMain, url: string, origin: string, frames: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const frame = {
      url,
      origin,
      processId: 7,
      routingId: 1,
      frameTreeNodeId: 1,
      parent: null,
      postMessage: (_channel: string, reply: unknown, transfer: PortMain[] = []) => {
        const port = transfer[0]
        if (!port) return reject(new Error(`no port: ${JSON.stringify(reply)}`))
        port.inner.once('message', (answer) => {
          port.inner.close()
          resolve(answer)
        })
        port.inner.postMessage(frames)
      },
    }
    const sender = Object.assign(new EventEmitter(), { id: 1, isDestroyed: () => false })
    loaded.ipcMain.emit('sluice:hello', { sender, senderFrame: frame }, 5)
  })
}
