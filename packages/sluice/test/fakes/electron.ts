/**
 * A faithful fake of exactly the Electron surface that sluice's wiring uses, and nothing else:
 * - main: `app.isPackaged`, `ipcMain.on/removeListener`, `MessageChannelMain`, and of `WebContents` /
 *   `WebFrameMain` the members in `ServeWebContents` / `ServeFrame` (typed from electron.d.ts; see
 *   test/electron-types.test-d.ts for the proof that the real module fits the same types);
 * - renderer: `ipcRenderer.send/on`, `contextBridge.exposeInMainWorld/executeInMainWorld`, and the bits of
 *   `window` the bridge uses (postMessage, message events, location).
 *
 * The ports are real: `MessageChannelMain` is a `node:worker_threads` MessageChannel whose main end is wrapped
 * as an EventEmitter with `start()` and 'close' (queueing until start(), as MessagePortMain does), and the
 * renderer end is handed to the page as the worker_threads MessagePort itself (an EventTarget, as a DOM
 * MessagePort is). IPC is asynchronous, as it is in Electron: every delivery waits for a macrotask.
 *
 * What the fake does NOT model: process isolation, V8 serialization quirks of IPC, the timing of real
 * navigation events beyond their documented order. The Electron E2E specs (e2e/electron) cover those.
 */
import { EventEmitter } from 'node:events'
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import type { ServeElectron, ServeFrame, ServePort, ServeWebContents } from '../../src/main/electron.js'

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

// ---------------------------------------------------------------------------------------------------------------
// MessagePortMain
// ---------------------------------------------------------------------------------------------------------------

/**
 * Electron's `MessagePortMain`: a Node EventEmitter whose 'message' listeners get `{ data, ports }`. Messages
 * queue until `start()`. Until it is started it does not notice its peer closing (ELECTRON-FACTS §0.2a);
 * closing it locally emits 'close' on it too (§0.2b); posting on a closed port is a no-op (§0.2c).
 */
export class FakeMessagePortMain extends EventEmitter implements ServePort {
  private started = false
  private closed = false
  private peerClosed = false

  constructor(readonly inner: MessagePort) {
    super()
    inner.on('close', () => {
      if (this.started) this.markClosed()
      else this.peerClosed = true
    })
  }

  postMessage(message: unknown): void {
    if (this.closed) return
    this.inner.postMessage(message)
  }

  start(): void {
    if (this.started || this.closed) return
    this.started = true
    this.inner.on('message', (data: unknown) => this.emit('message', { data, ports: [] }))
    if (this.peerClosed) this.markClosed()
  }

  close(): void {
    if (this.closed) return
    this.markClosed()
    this.inner.close()
  }

  private markClosed(): void {
    if (this.closed) return
    this.closed = true
    this.emit('close')
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Renderer side: one FakeDocument per loaded page (per navigation), with its own ipcRenderer and window.
// ---------------------------------------------------------------------------------------------------------------

type IpcRendererListener = (event: { ports: MessagePort[]; sender: FakeIpcRenderer }, ...args: unknown[]) => void

export class FakeIpcRenderer {
  private readonly listeners = new Map<string, Set<IpcRendererListener>>()
  /** Every hello this document sent, for assertions. */
  readonly sent: { channel: string; args: unknown[] }[] = []

  constructor(private readonly doc: FakeDocument) {}

  send(channel: string, ...args: unknown[]): void {
    if (!this.doc.alive) return
    this.sent.push({ channel, args })
    this.doc.frame.contents.electron.deliverToMain(this.doc, channel, args)
  }

  on(channel: string, listener: IpcRendererListener): this {
    let set = this.listeners.get(channel)
    if (set === undefined) this.listeners.set(channel, (set = new Set()))
    set.add(listener)
    return this
  }

  removeListener(channel: string, listener: IpcRendererListener): this {
    this.listeners.get(channel)?.delete(listener)
    return this
  }

  /** @internal main → renderer. Returns false when nobody listened (the ports are then dropped). */
  deliver(channel: string, message: unknown, ports: MessagePort[]): boolean {
    const set = this.listeners.get(channel)
    if (set === undefined || set.size === 0) return false
    for (const l of [...set]) l({ ports, sender: this }, message)
    return true
  }
}

/** The `window` of a page, as far as the bridge uses it: message events, postMessage, location. */
export class FakeWindow extends EventTarget {
  readonly location: { origin: string; protocol: string; href: string }
  [key: string]: unknown

  constructor(
    url: string,
    private readonly doc: FakeDocument,
  ) {
    super()
    const u = new URL(url)
    this.location = { href: url, protocol: u.protocol, origin: u.protocol === 'file:' ? 'file://' : u.origin }
  }

  // Typed as Window types them for 'message', so a FakeWindow passes where the page's window would.
  override addEventListener(type: string, listener: ((event: MessageEvent) => void) | EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void {
    super.addEventListener(type, listener as EventListener, options)
  }

  override removeEventListener(type: string, listener: ((event: MessageEvent) => void) | EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void {
    super.removeEventListener(type, listener as EventListener, options)
  }

  /** window.postMessage: asynchronous, `source` is this window, transferred ports arrive in `ports`. */
  postMessage(message: unknown, targetOrigin: string, transfer: MessagePort[] = []): void {
    if (targetOrigin !== '*' && targetOrigin !== this.location.origin) return
    this.dispatchFrom(this, message, transfer)
  }

  /** A message from another window (an iframe, an opener): `source` is not this window. */
  postMessageFromElsewhere(message: unknown, transfer: MessagePort[] = []): void {
    this.dispatchFrom({}, message, transfer)
  }

  private dispatchFrom(source: object, message: unknown, ports: MessagePort[]): void {
    setImmediate(() => {
      if (!this.doc.alive) return
      const event = new Event('message') as Event & Record<string, unknown>
      Object.defineProperties(event, {
        data: { value: message },
        source: { value: source },
        origin: { value: this.location.origin },
        ports: { value: ports },
      })
      this.dispatchEvent(event)
    })
  }
}

/**
 * `contextBridge`, simulated: values are copied between worlds by the documented rules (functions proxied,
 * Symbols dropped, Errors rebuilt from their message, prototypes dropped, Promises re-made), and
 * `executeInMainWorld` runs the *source text* of `func` (as Electron does), so a function that leans on outer
 * variables fails here as it would there.
 */
export class FakeContextBridge {
  constructor(private readonly win: FakeWindow) {}

  exposeInMainWorld(apiKey: string, api: unknown): void {
    Object.defineProperty(this.win, apiKey, { value: Object.freeze(bridgeCopy(api)), enumerable: true })
  }

  executeInMainWorld(script: { func: (...args: never[]) => unknown; args?: unknown[] }): unknown {
    const source = Function.prototype.toString.call(script.func)
    // The main world's globals: `window` is the page's window; nothing of the preload's scope is visible.
    const func = new Function('window', `return (${source})`)(this.win) as (...args: unknown[]) => unknown
    return bridgeCopy(func(...(script.args ?? []).map(bridgeCopy)))
  }
}

export function bridgeCopy(value: unknown): unknown {
  switch (typeof value) {
    case 'symbol':
      return undefined
    case 'function': {
      const fn = value as (...args: unknown[]) => unknown
      return (...args: unknown[]) => {
        let out: unknown
        try {
          out = fn(...args.map(bridgeCopy))
        } catch (e) {
          throw new Error(e instanceof Error ? e.message : String(e))
        }
        return bridgeCopy(out)
      }
    }
    case 'object':
      break
    default:
      return value
  }
  if (value === null) return null
  if (value instanceof Promise) return value.then(bridgeCopy, (e: unknown) => Promise.reject(new Error(e instanceof Error ? e.message : String(e))))
  if (value instanceof Error) return new Error(value.message)
  if (Array.isArray(value)) return value.map(bridgeCopy)
  if (value instanceof Date || value instanceof RegExp || value instanceof Map || value instanceof Set || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    return structuredClone(value)
  }
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) out[key] = bridgeCopy((value as Record<string, unknown>)[key])
  return out
}

export class FakeDocument {
  alive = true
  readonly ipcRenderer: FakeIpcRenderer
  readonly window: FakeWindow
  readonly contextBridge: FakeContextBridge
  /** Renderer-side ends of every port this document received. They die with it. */
  readonly ports: MessagePort[] = []

  constructor(
    readonly frame: FakeFrame,
    readonly url: string,
  ) {
    this.ipcRenderer = new FakeIpcRenderer(this)
    this.window = new FakeWindow(url, this)
    this.contextBridge = new FakeContextBridge(this.window)
  }

  /** The document goes away: its ports close (their pipe dies), so main's ends see 'close'. */
  unload(options: { closePorts?: boolean } = {}): void {
    if (!this.alive) return
    this.alive = false
    if (options.closePorts !== false) for (const p of this.ports) p.close()
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Main side: WebFrameMain, WebContents, and the module.
// ---------------------------------------------------------------------------------------------------------------

export class FakeFrame implements ServeFrame {
  document: FakeDocument | undefined
  readonly frameTreeNodeId: number

  constructor(
    readonly contents: FakeWebContents,
    readonly parent: FakeFrame | null,
    public processId: number,
    readonly routingId: number,
  ) {
    this.frameTreeNodeId = contents.electron.nextId()
  }

  get url(): string {
    return this.document?.url ?? ''
  }

  get origin(): string {
    const url = this.url
    if (url === '') return 'null'
    return url.startsWith('file:') ? 'file://' : new URL(url).origin
  }

  /** WebFrameMain.postMessage: the ports are transferred to the frame's current document, asynchronously. */
  postMessage(channel: string, message: unknown, transfer: ServePort[] = []): void {
    const ports = transfer.map((p) => (p as unknown as FakeMessagePortMain).inner)
    const doc = this.document
    setImmediate(() => {
      if (doc === undefined || !doc.alive || this.document !== doc || !doc.ipcRenderer.deliver(channel, message, ports)) {
        // Nobody took them: the renderer drops the ports, which closes their pipes.
        for (const p of ports) p.close()
        return
      }
      doc.ports.push(...ports)
    })
  }

  load(url: string): FakeDocument {
    this.document?.unload()
    this.document = new FakeDocument(this, url)
    return this.document
  }
}

export class FakeWebContents extends EventEmitter implements ServeWebContents {
  readonly id: number
  readonly mainFrame: FakeFrame
  private destroyed = false

  constructor(readonly electron: FakeElectron) {
    super()
    this.id = electron.nextId()
    this.mainFrame = new FakeFrame(this, null, electron.nextId(), electron.nextId())
  }

  isDestroyed(): boolean {
    return this.destroyed
  }

  /** Loads `url` in the main frame as a new document (no navigation events: the first load). */
  load(url: string): FakeDocument {
    return this.mainFrame.load(url)
  }

  /** An iframe in the current document. */
  addFrame(url: string): FakeFrame {
    const frame = new FakeFrame(this, this.mainFrame, this.mainFrame.processId, this.electron.nextId())
    frame.load(url)
    return frame
  }

  /**
   * A main-frame navigation, in Electron's documented order: `did-start-navigation`, then (when it commits)
   * the old document dies, `did-navigate` fires, and the new document loads. `helloBeforeCommit` lets the new
   * document's preload run before main sees `did-navigate` (IPC and navigation events are separate pipes).
   */
  async navigate(
    url: string,
    options: { commit?: boolean; sameDocument?: boolean; closeOldPorts?: boolean; beforeCommit?: (doc: FakeDocument) => void | Promise<void> } = {},
  ): Promise<FakeDocument | undefined> {
    const sameDocument = options.sameDocument ?? false
    this.emit('did-start-navigation', { url, isMainFrame: true, isSameDocument: sameDocument, frame: this.mainFrame })
    await tick()
    if (sameDocument || options.commit === false) return undefined
    this.mainFrame.document?.unload({ closePorts: options.closeOldPorts ?? true })
    const doc = new FakeDocument(this.mainFrame, url)
    this.mainFrame.document = doc
    if (options.beforeCommit) await options.beforeCommit(doc)
    this.emit('did-navigate', {}, url, 200, 'OK')
    await tick()
    return doc
  }

  /** `webContents.reload()`: a main-frame navigation to the same URL. */
  reload(options: { beforeCommit?: (doc: FakeDocument) => void | Promise<void> } = {}): Promise<FakeDocument | undefined> {
    return this.navigate(this.mainFrame.url, options)
  }

  /** The renderer process dies: 'render-process-gone', and (unless told otherwise) its port ends die too. */
  crash(options: { closePorts?: boolean; reason?: string } = {}): void {
    this.mainFrame.document?.unload({ closePorts: options.closePorts ?? true })
    this.emit('render-process-gone', {}, { reason: options.reason ?? 'crashed', exitCode: 139 })
  }

  /** The window closes: the page dies and the webContents is destroyed. */
  destroy(options: { closePorts?: boolean } = {}): void {
    if (this.destroyed) return
    this.mainFrame.document?.unload({ closePorts: options.closePorts ?? true })
    this.destroyed = true
    this.emit('destroyed')
  }
}

interface HelloEventLike {
  sender: FakeWebContents
  senderFrame: FakeFrame | null
}

export class FakeElectron implements ServeElectron {
  readonly app = { isPackaged: false }
  readonly ipcMain = new EventEmitter()
  readonly MessageChannelMain: new () => { port1: FakeMessagePortMain; port2: FakeMessagePortMain }
  /** Every MessageChannelMain made, so tests can see what main handed out. */
  readonly channels: { port1: FakeMessagePortMain; port2: FakeMessagePortMain }[] = []
  private id = 1

  constructor() {
    const channels = this.channels
    this.MessageChannelMain = class {
      readonly port1: FakeMessagePortMain
      readonly port2: FakeMessagePortMain
      constructor() {
        const { port1, port2 } = new MessageChannel()
        this.port1 = new FakeMessagePortMain(port1)
        this.port2 = new FakeMessagePortMain(port2)
        channels.push(this)
      }
    }
  }

  nextId(): number {
    return this.id++
  }

  createWindow(url?: string): FakeWebContents {
    const wc = new FakeWebContents(this)
    if (url !== undefined) wc.load(url)
    return wc
  }

  /** @internal renderer → main, as IpcMainEvent: `senderFrame` is read when the message is handled. */
  deliverToMain(doc: FakeDocument, channel: string, args: unknown[]): void {
    setImmediate(() => {
      const frame = doc.frame
      const event: HelloEventLike = { sender: frame.contents, senderFrame: frame.document === doc && doc.alive ? frame : null }
      this.ipcMain.emit(channel, event, ...args)
    })
  }
}
