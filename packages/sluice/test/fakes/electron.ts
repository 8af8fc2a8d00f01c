/**
 * A faithful fake of exactly the Electron surface that sluice's wiring uses, and nothing else:
 * - main: `app.isPackaged`, `ipcMain.on/removeListener`, `MessageChannelMain`, and of `WebContents` /
 *   `WebFrameMain` the members in `ServeWebContents` / `ServeFrame` (typed from electron.d.ts; see
 *   test/electron-types.test-d.ts for the proof that the real module fits the same types);
 * - renderer: `ipcRenderer.send/on`, `contextBridge.exposeInMainWorld/executeInMainWorld`, the bits of
 *   `window` the bridge uses (postMessage, message events, location), and the way a sandboxed preload is run.
 *
 * Each behaviour names the Electron source (electron/electron, the snapshot of 2026-08-22) or spec it follows.
 * The ports are real: `MessageChannelMain` is a `node:worker_threads` MessageChannel whose main end is wrapped
 * as an EventEmitter with `start()` and 'close', and the renderer end is handed to the page as the
 * worker_threads MessagePort itself (an EventTarget, as a DOM MessagePort is). IPC is asynchronous, as it is
 * in Electron: every delivery waits for a macrotask.
 *
 * What the fake does NOT model: process isolation, V8 serialization quirks of IPC, the timing of real
 * navigation events beyond their documented order. The Electron E2E specs (e2e/electron) cover those.
 */
import { EventEmitter } from 'node:events'
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads'
import type { ServeElectron, ServeFrame, ServePort, ServeWebContents } from '../../src/main/electron.js'
import type { UtilityProcessLike } from '../../src/main/remote.js'

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

/** shell/browser/api/electron_api_web_frame_main.cc `CheckRenderFrame`. */
export const DISPOSED = 'Render frame was disposed before WebFrameMain could be accessed'

// ---------------------------------------------------------------------------------------------------------------
// MessagePortMain
// ---------------------------------------------------------------------------------------------------------------

/**
 * Electron's `MessagePortMain` (shell/browser/api/message_port.cc): a Node EventEmitter whose 'message'
 * listeners get `{ data, ports }`. Messages queue until `start()`. Until it is started it does not notice its
 * peer closing (ELECTRON-FACTS §0.2a); closing it locally emits 'close' on it too (`Close()`); posting on a
 * closed port is a no-op (`if (!IsEntangled()) return;`). A message that cannot be serialized throws
 * "An object could not be cloned." (`SerializeV8Value`), and the transfer list takes only MessagePortMains,
 * never the port itself.
 */
export class FakeMessagePortMain extends EventEmitter implements ServePort {
  private started = false
  private closed = false
  private peerClosed = false
  /** Transferred away: `DisentanglePorts` leaves the object here unentangled, so posting on it is a no-op. */
  neutered = false

  constructor(readonly inner: MessagePort) {
    super()
    inner.on('close', () => {
      if (this.started) this.markClosed()
      else this.peerClosed = true
    })
  }

  postMessage(message: unknown, transfer: unknown[] = []): void {
    if (this.closed || this.neutered) return
    for (const [i, p] of transfer.entries()) {
      if (!(p instanceof FakeMessagePortMain)) throw new TypeError(`Port at index ${i} is not a valid port`)
      if (p === this) throw new Error(`Port at index ${i} contains the source port.`)
    }
    try {
      structuredClone(message)
    } catch {
      throw new Error('An object could not be cloned.')
    }
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
  /** Every message this document sent, for assertions. */
  readonly sent: { channel: string; args: unknown[] }[] = []

  constructor(private readonly doc: FakeDocument) {}

  send(channel: string, ...args: unknown[]): void {
    if (this.doc.state === 'gone') return
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

  /** @internal main → renderer. Returns false when nobody listened. */
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
      if (this.doc.state === 'gone') return
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

/** lib/renderer/api/context-bridge.ts `checkContextIsolationEnabled`. */
export const ISOLATION_OFF = 'contextBridge API can only be used when contextIsolation is enabled'

/**
 * `contextBridge`, as shell/renderer/api/electron_api_context_bridge.cc (`PassValueToOtherContextInner`,
 * `CreateProxyForAPI`, `ExposeAPI`) and lib/renderer/api/context-bridge.ts do it:
 * - every method throws when context isolation is off;
 * - primitives cross as they are, symbols included;
 * - functions are proxied, and one crossing that meets the same function (or object) twice yields the same
 *   proxy (the `ObjectCache`); a proxy sent back to its own world is unwrapped to the original
 *   (`kOriginalFunctionPrivateKey`);
 * - promises are re-made; native Errors become `new Error(message)`;
 * - plain objects (a null prototype or any class instance: prototypes are dropped) are copied by their own
 *   enumerable keys, symbol keys included (spec/api-context-bridge-spec.ts "should proxy symbols such that
 *   symbol key lookup works");
 * - everything else goes through the structured-clone serializer: Date, RegExp, Map, Set, buffers are
 *   copied, and a Proxy, an async generator object or a MessagePort throws "An object could not be cloned.";
 * - `exposeInMainWorld` deep-freezes what it defines (`DeepFreeze`) and refuses an existing key.
 * `executeInMainWorld` runs the *source text* of `func` (as Electron does), so a function that leans on outer
 * variables fails here as it would there.
 */
export class FakeContextBridge {
  constructor(private readonly doc: FakeDocument) {}

  private check(): void {
    if (!this.doc.preferences.contextIsolation) throw new Error(ISOLATION_OFF)
  }

  exposeInMainWorld(apiKey: string, api: unknown): void {
    this.check()
    const win = this.doc.window
    if (apiKey in win) throw new Error('Cannot bind an API on top of an existing property on the window object')
    const copy = crossWorlds(api, 'isolated', 'main')
    Object.defineProperty(win, apiKey, { value: typeof copy === 'object' && copy !== null ? deepFreeze(copy) : copy, enumerable: true })
  }

  executeInMainWorld(script: { func: (...args: never[]) => unknown; args?: unknown[] }): unknown {
    this.check()
    const source = Function.prototype.toString.call(script.func)
    // The main world's globals: `window` is the page's window; nothing of the preload's scope is visible.
    const func = new Function('window', `return (${source})`)(this.doc.window) as (...args: unknown[]) => unknown
    const args = crossWorlds(script.args ?? [], 'isolated', 'main') as unknown[]
    return crossWorlds(func(...args), 'main', 'isolated')
  }
}

type World = 'isolated' | 'main'
/** Proxies made for a function, keyed by the world they live in, and back to the original. */
const originals = new WeakMap<object, { fn: (...args: unknown[]) => unknown; world: World }>()

const notCloneable = () => new Error('An object could not be cloned.')

/** One crossing of `value` from world `from` into world `to`, with its own object cache. */
export function crossWorlds(value: unknown, from: World, to: World, cache = new Map<unknown, unknown>()): unknown {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return value
  if (cache.has(value)) return cache.get(value)
  if (typeof value === 'function') {
    const original = originals.get(value)
    if (original !== undefined && original.world === to) return original.fn
    const fn = value as (...args: unknown[]) => unknown
    const proxy = function (this: unknown, ...args: unknown[]) {
      let out: unknown
      try {
        out = fn(...(crossWorlds(args, to, from) as unknown[]))
      } catch (e) {
        throw new Error(e instanceof Error ? e.message : String(e))
      }
      return crossWorlds(out, from, to)
    }
    originals.set(proxy, { fn, world: from })
    cache.set(value, proxy)
    return proxy
  }
  if (value instanceof Promise) {
    const made = value.then(
      (v) => crossWorlds(v, from, to),
      (e: unknown) => Promise.reject(e instanceof Error ? new Error(e.message) : crossWorlds(e, from, to)),
    )
    cache.set(value, made)
    return made
  }
  if (value instanceof Error) return new Error(value.message)
  if (Array.isArray(value)) {
    const out: unknown[] = []
    cache.set(value, out)
    for (const item of value) out.push(crossWorlds(item, from, to, cache))
    return out
  }
  if (isPlainObject(value)) {
    const out: Record<PropertyKey, unknown> = {}
    cache.set(value, out)
    for (const key of Reflect.ownKeys(value)) {
      if (!Object.prototype.propertyIsEnumerable.call(value, key)) continue
      out[key] = crossWorlds((value as Record<PropertyKey, unknown>)[key], from, to, cache)
    }
    return out
  }
  if (isAsyncGenerator(value) || isMessagePort(value)) throw notCloneable()
  try {
    const out = structuredClone(value)
    cache.set(value, out)
    return out
  } catch {
    throw notCloneable()
  }
}

/** Node cannot tell a Proxy from its target the way V8's `IsProxy()` can; tests mark theirs. */
export const proxies = new WeakSet<object>()

function isPlainObject(value: object): boolean {
  if (proxies.has(value)) return false
  const tag = Object.prototype.toString.call(value)
  return tag === '[object Object]' && !isAsyncGenerator(value) && !isMessagePort(value)
}

function isAsyncGenerator(value: object): boolean {
  return Object.prototype.toString.call(value) === '[object AsyncGenerator]'
}

function isMessagePort(value: object): boolean {
  return value instanceof EventTarget && typeof (value as { postMessage?: unknown }).postMessage === 'function' && typeof (value as { start?: unknown }).start === 'function'
}

function deepFreeze<T extends object>(object: T, seen = new Set<object>()): T {
  if (seen.has(object)) return object
  seen.add(object)
  for (const key of Object.getOwnPropertyNames(object)) {
    const child = (object as Record<string, unknown>)[key]
    if (typeof child === 'object' && child !== null && !ArrayBuffer.isView(child)) deepFreeze(child, seen)
  }
  return Object.freeze(object)
}

/** `webPreferences` that change how the preload runs. Electron's defaults: both true (sandbox since 20). */
export interface FakePreferences {
  sandbox: boolean
  contextIsolation: boolean
  /** The preload script's path, as `webPreferences.preload` (absent: no preload). */
  preload?: string
}

/**
 * What a document is: 'live', 'unloading' (its unload handlers run; IPC it sends arrives with a detached
 * senderFrame), or 'gone'.
 */
type DocumentState = 'live' | 'unloading' | 'gone'

export class FakeDocument {
  state: DocumentState = 'live'
  readonly ipcRenderer: FakeIpcRenderer
  readonly window: FakeWindow
  readonly contextBridge: FakeContextBridge
  /**
   * The `process` a preload gets. Sandboxed, it is not a global but the second parameter of the function
   * Electron wraps the preload in (lib/sandboxed_renderer/preload.ts `runPreloadScript`); it carries
   * `contextIsolated` (shell/renderer/renderer_client_base.cc `BindProcess`).
   */
  readonly preloadProcess: { contextIsolated: boolean; sandboxed: boolean; type: 'renderer'; isMainFrame: boolean }
  /** Renderer-side ends of every port this document received. They die with it. */
  readonly ports: MessagePort[] = []

  constructor(
    readonly frame: FakeFrame,
    readonly url: string,
    readonly preferences: FakePreferences = frame.contents.preferences,
  ) {
    this.ipcRenderer = new FakeIpcRenderer(this)
    this.window = new FakeWindow(url, this)
    this.contextBridge = new FakeContextBridge(this)
    this.preloadProcess = { contextIsolated: preferences.contextIsolation, sandboxed: preferences.sandbox, type: 'renderer', isMainFrame: frame.parent === null }
  }

  get alive(): boolean {
    return this.state === 'live'
  }

  /**
   * Runs a CommonJS preload bundle the way a sandboxed renderer does (lib/sandboxed_renderer/preload.ts and
   * init.ts): as a function of `require, process, exports, module` plus a few globals, where `require` knows
   * only electron, events, timers and url, and `process` is a parameter. Its global object is the page's
   * window, which has no `process` (spec/chromium-spec.ts "disables node integration by default").
   */
  runSandboxedPreload(source: string): void {
    const electron = { ipcRenderer: this.ipcRenderer, contextBridge: this.contextBridge }
    const modules: Record<string, unknown> = { electron, 'electron/renderer': electron, events: { EventEmitter }, 'node:events': { EventEmitter } }
    const require = (id: string) => {
      if (id in modules) return modules[id]
      throw new Error(`module not found: ${id}`)
    }
    const module = { exports: {} }
    // The page's globals that a preload may use, and `globalThis` standing for the page's window.
    const globals: Record<string, unknown> = {
      globalThis: this.window,
      window: this.window,
      self: this.window,
      crypto: globalThis.crypto,
      setTimeout,
      clearTimeout,
      setImmediate,
      clearImmediate,
      queueMicrotask,
      Buffer,
    }
    const names = ['require', 'process', 'exports', 'module', ...Object.keys(globals)]
    const fn = new Function(...names, source) as (...args: unknown[]) => void
    fn(require, this.preloadProcess, module.exports, module, ...Object.values(globals))
  }

  /** The document goes away: its ports close (their pipe dies), so main's ends see 'close'. */
  unload(options: { closePorts?: boolean } = {}): void {
    if (this.state === 'gone') return
    this.state = 'gone'
    if (options.closePorts !== false) for (const p of this.ports) p.close()
  }

  /** Runs `handler` as the document's unload handler would: IPC it sends arrives with a detached senderFrame. */
  unloadWith(handler: () => void, options: { closePorts?: boolean } = {}): void {
    this.state = 'unloading'
    handler()
    this.unload(options)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Main side: WebFrameMain, WebContents, and the module.
// ---------------------------------------------------------------------------------------------------------------

/**
 * `WebFrameMain`. Once disposed (its RenderFrameHost is gone) every getter and `postMessage` throw
 * "Render frame was disposed…" (electron_api_web_frame_main.cc `CheckRenderFrame`; spec/api-web-frame-main-
 * spec.ts "throws upon accessing properties when disposed"). `detached` is true while the frame's document
 * unloads ("is detached when unload handler sends IPC").
 */
export class FakeFrame implements ServeFrame {
  document: FakeDocument | undefined
  readonly frameTreeNodeId: number
  private disposed = false
  /** Replies main posts wait here while true: a test's way to let a navigation overtake them. */
  holdReplies = false
  private readonly held: (() => void)[] = []

  constructor(
    readonly contents: FakeWebContents,
    readonly parent: FakeFrame | null,
    private _processId: number,
    private readonly _routingId: number,
  ) {
    this.frameTreeNodeId = contents.electron.nextId()
  }

  private live(): void {
    if (this.disposed) throw new Error(DISPOSED)
  }

  get url(): string {
    this.live()
    return this.document?.url ?? ''
  }

  /**
   * `frame.origin`: 'file://' for a file: page, 'null' for a fresh frame or an opaque origin, such as a
   * sandboxed iframe (spec/api-web-frame-main-spec.ts "WebFrame.origin").
   */
  get origin(): string {
    this.live()
    const url = this.document?.url ?? ''
    if (url === '' || this.opaque) return 'null'
    return url.startsWith('file:') ? 'file://' : new URL(url).origin
  }

  /** An `<iframe sandbox>` without allow-same-origin: its document's origin is opaque. */
  opaque = false

  get processId(): number {
    this.live()
    return this._processId
  }

  set processId(id: number) {
    this._processId = id
  }

  get routingId(): number {
    this.live()
    return this._routingId
  }

  get detached(): boolean {
    this.live()
    return false
  }

  isDestroyed(): boolean {
    return this.disposed
  }

  /** The RenderFrameHost goes: every getter throws from now on. */
  dispose(): void {
    this.disposed = true
    this.document?.unload()
  }

  /**
   * WebFrameMain.postMessage: the ports are disentangled first, then the frame is checked (so a disposed frame
   * throws and the ports are lost, which closes their pipes), and the message goes to the frame, landing in
   * whichever document it holds when it arrives (electron_api_web_frame_main.cc `PostMessage`). A port nobody
   * takes stays open until it is collected (spec/api-ipc-spec.ts "is emitted when ... garbage-collected"):
   * `FakeElectron.collectGarbage()`.
   */
  postMessage(channel: string, message: unknown, transfer: ServePort[] = []): void {
    try {
      structuredClone(message)
    } catch {
      throw new Error('An object could not be cloned.')
    }
    const ports = transfer.map((p) => (p as unknown as FakeMessagePortMain).inner)
    if (this.disposed) {
      for (const p of ports) p.close()
      throw new Error(DISPOSED)
    }
    const deliver = () => {
      const doc = this.document
      if (doc === undefined || doc.state === 'gone' || !doc.ipcRenderer.deliver(channel, message, ports)) {
        this.contents.electron.unclaimed.push(...ports)
        return
      }
      doc.ports.push(...ports)
    }
    setImmediate(() => (this.holdReplies ? this.held.push(deliver) : deliver()))
  }

  /** Lets held replies land, in order, in whatever document the frame holds now. */
  releaseReplies(): void {
    this.holdReplies = false
    for (const d of this.held.splice(0)) d()
  }

  load(url: string): FakeDocument {
    this.document?.unload()
    this.document = new FakeDocument(this, url)
    return this.document
  }

  /**
   * A sub-frame navigation: `did-start-navigation` with `isMainFrame: false`, then the old document dies and
   * `did-frame-navigate` fires; `did-navigate` is for the main frame only (docs/api/web-contents.md).
   */
  async navigate(url: string): Promise<FakeDocument> {
    const wc = this.contents
    wc.emit('did-start-navigation', { url, isMainFrame: this.parent === null, isSameDocument: false, frame: this })
    await tick()
    this.document?.unload()
    const doc = new FakeDocument(this, url)
    this.document = doc
    wc.emit('did-frame-navigate', {}, url, 200, 'OK', this.parent === null, this._processId, this._routingId)
    if (this.parent === null) wc.emit('did-navigate', {}, url, 200, 'OK')
    await tick()
    return doc
  }
}

/**
 * The view of a frame that IPC sent during unload arrives with: `detached` is true, its getters still answer
 * (the document is still there), and what is posted to it lands nowhere.
 */
class DetachedFrame implements ServeFrame {
  readonly detached = true
  readonly parent: object | null
  readonly url: string
  readonly origin: string
  readonly processId: number
  readonly routingId: number
  readonly frameTreeNodeId: number

  constructor(frame: FakeFrame, doc: FakeDocument) {
    this.parent = frame.parent
    this.url = doc.url
    this.origin = frame.origin
    this.processId = frame.processId
    this.routingId = frame.routingId
    this.frameTreeNodeId = frame.frameTreeNodeId
  }

  isDestroyed(): boolean {
    return false
  }

  postMessage(): void {}
}

export class FakeWebContents extends EventEmitter implements ServeWebContents {
  readonly id: number
  readonly mainFrame: FakeFrame
  readonly frames: FakeFrame[] = []
  private destroyed = false

  constructor(
    readonly electron: FakeElectron,
    readonly preferences: FakePreferences = { sandbox: true, contextIsolation: true },
  ) {
    super()
    this.id = electron.nextId()
    this.mainFrame = new FakeFrame(this, null, electron.nextId(), electron.nextId())
    this.frames.push(this.mainFrame)
  }

  isDestroyed(): boolean {
    return this.destroyed
  }

  /** `webContents.getLastWebPreferences()` (Electron ≥ 21): the preferences the window was made with. */
  getLastWebPreferences(): { preload?: string; sandbox: boolean; contextIsolation: boolean } {
    return { ...this.preferences }
  }

  getURL(): string {
    return this.mainFrame.url
  }

  /** The page finished loading: `did-finish-load` (shell/browser/api/electron_api_web_contents.cc `DidFinishLoad`, main frame only). */
  finishLoad(): void {
    this.emit('did-finish-load')
  }

  /**
   * The preload threw: `preload-error` with its path and the error (lib/renderer/init.ts and
   * lib/sandboxed_renderer/init.ts send it to main when running the preload throws).
   */
  preloadError(error: Error): void {
    this.emit('preload-error', {}, this.preferences.preload ?? '(no preload)', error)
  }

  /** Loads `url` in the main frame as a new document (no navigation events: the first load). */
  load(url: string): FakeDocument {
    return this.mainFrame.load(url)
  }

  /** An iframe in the current document, in the main frame's process unless told otherwise (an out-of-process iframe). */
  addFrame(url: string, options: { processId?: number; opaque?: boolean } = {}): FakeFrame {
    const frame = new FakeFrame(this, this.mainFrame, options.processId ?? this.mainFrame.processId, this.electron.nextId())
    frame.opaque = options.opaque ?? false
    frame.load(url)
    this.frames.push(frame)
    return frame
  }

  /**
   * A main-frame navigation, in Electron's documented order: `did-start-navigation`, then (when it commits)
   * the old document dies, `did-navigate` fires, and the new document loads. `beforeCommit` lets the new
   * document's preload run before main sees `did-navigate` (IPC and navigation events are separate pipes).
   * The main frame keeps its frame host (a same-site reload reuses it), so its WebFrameMain stays the same.
   */
  async navigate(
    url: string,
    options: { commit?: boolean; sameDocument?: boolean; closeOldPorts?: boolean; beforeCommit?: (doc: FakeDocument) => void | Promise<void> } = {},
  ): Promise<FakeDocument | undefined> {
    const sameDocument = options.sameDocument ?? false
    this.emit('did-start-navigation', { url, isMainFrame: true, isSameDocument: sameDocument, frame: this.mainFrame })
    await tick()
    if (sameDocument || options.commit === false) return undefined
    // The old document's sub-frames go with it.
    for (const f of this.frames.splice(1)) f.dispose()
    this.mainFrame.document?.unload({ closePorts: options.closeOldPorts ?? true })
    const doc = new FakeDocument(this.mainFrame, url)
    this.mainFrame.document = doc
    if (options.beforeCommit) await options.beforeCommit(doc)
    this.emit('did-frame-navigate', {}, url, 200, 'OK', true, this.mainFrame.processId, this.mainFrame.routingId)
    this.emit('did-navigate', {}, url, 200, 'OK')
    await tick()
    return doc
  }

  /** `webContents.reload()`: a main-frame navigation to the same URL. */
  reload(options: { beforeCommit?: (doc: FakeDocument) => void | Promise<void> } = {}): Promise<FakeDocument | undefined> {
    return this.navigate(this.mainFrame.url, options)
  }

  /**
   * The main frame's renderer process dies. Every frame in that process dies with it (their documents go,
   * their ports close unless told otherwise), and `render-process-gone` is emitted from a posted task, not
   * from inside the death notification (electron_api_web_contents.cc `PrimaryMainFrameRenderProcessGone`
   * posts `EmitRenderProcessGone`). Frames in other processes (out-of-process iframes) live on.
   */
  crash(options: { closePorts?: boolean; reason?: string } = {}): void {
    const pid = this.mainFrame.processId
    for (const f of this.frames) if (f.processId === pid) f.document?.unload({ closePorts: options.closePorts ?? true })
    setImmediate(() => this.emit('render-process-gone', {}, { reason: options.reason ?? 'crashed', exitCode: 139 }))
  }

  /** The window closes: every page dies and the webContents is destroyed. */
  destroy(options: { closePorts?: boolean } = {}): void {
    if (this.destroyed) return
    for (const f of this.frames) f.document?.unload({ closePorts: options.closePorts ?? true })
    this.destroyed = true
    this.emit('destroyed')
  }
}

interface HelloEventLike {
  sender: FakeWebContents
  senderFrame: ServeFrame | null
}

// ---------------------------------------------------------------------------------------------------------------
// utilityProcess: a real worker_threads Worker stands in for the child process.
// ---------------------------------------------------------------------------------------------------------------

/**
 * An Electron `UtilityProcess` (lib/browser/api/utility-process.ts over shell/browser/api/
 * electron_api_utility_process.cc), run as a worker thread whose `process.parentPort` is a faithful fake
 * (test/fixtures/utility-process-bootstrap.ts). What it keeps of Electron:
 * - `fork()` throws 'Missing UtilityProcess entry script.' without a path (utility-process.ts constructor);
 * - 'spawn' once the child runs (`OnServiceProcessLaunch`); `pid` is undefined before it and after exit;
 * - messages posted before 'spawn' queue and arrive in order (spec "supports queuing messages on the
 *   receiving end"); the child's messages arrive as the value alone (`EmitWithoutEvent("message", value)`);
 * - `postMessage(msg, transfer)`: anything in `transfer` but a MessagePortMain throws "Port at index N is
 *   not a valid port"; a message that cannot be serialized throws "An object could not be cloned."; the
 *   transferred ports are disentangled here (`MessagePort::DisentanglePorts`), and arrive in the child as
 *   MessagePortMains in `event.ports` (parent_port.cc `Accept`, `EntanglePorts`);
 * - after exit, `postMessage` is a silent no-op (`if (!node_service_remote_.is_connected()) return;`);
 * - `kill()` returns false when there is no process, else true, and the exit code of a kill is 0
 *   (`HandleTermination` maps SIGTERM/SIGKILL to 0); a crash exits with a non-zero code (spec "emits 'exit'
 *   when child process crashes"), and an uncaught exception with 1 (spec "...uncaught exception").
 * When the child ends, every port it held dies with it: the worker thread's ports close, as a dead process's
 * mojo pipes do.
 */
export class FakeUtilityProcess extends EventEmitter implements UtilityProcessLike {
  private static nextPid = 40_000
  pid: number | undefined
  private readonly worker: Worker
  private exited = false
  private exitCode: number | undefined

  constructor(modulePath: string, args: string[] = []) {
    super()
    if (!modulePath) throw new Error('Missing UtilityProcess entry script.')
    this.worker = new Worker(new URL('../fixtures/utility-process-bootstrap.mjs', import.meta.url), { workerData: { modulePath, args } })
    this.worker.once('online', () => {
      this.pid = FakeUtilityProcess.nextPid++
      this.emit('spawn')
    })
    this.worker.on('message', (message: unknown) => this.emit('message', message))
    // An uncaught exception in the child: Electron reports only the exit (code 1), never an 'error' event.
    this.worker.on('error', () => {
      this.exitCode ??= 1
    })
    this.worker.on('exit', (code) => {
      this.exited = true
      this.pid = undefined
      this.emit('exit', this.exitCode ?? code)
    })
  }

  postMessage(message: unknown, transfer?: unknown[]): void {
    if (this.exited) return
    const ports: FakeMessagePortMain[] = []
    for (const [i, p] of (transfer ?? []).entries()) {
      if (!(p instanceof FakeMessagePortMain) || p.neutered) throw new TypeError(`Port at index ${i} is not a valid port`)
      ports.push(p)
    }
    try {
      structuredClone(message)
    } catch {
      throw new Error('An object could not be cloned.')
    }
    const inner = ports.map((p) => {
      p.neutered = true
      return p.inner
    })
    this.worker.postMessage({ data: message, ports: inner }, inner)
  }

  kill(): boolean {
    if (this.exited || this.pid === undefined) return false
    this.exitCode = 0
    void this.worker.terminate()
    return true
  }

  /** Test hook: the child dies as a crash would (`process.crash()`), with a non-zero code. */
  crash(code = 139): void {
    if (this.exited) return
    this.exitCode = code
    void this.worker.terminate()
  }
}

export class FakeElectron implements ServeElectron {
  /** `app`: `isPackaged`, and the `web-contents-created` event that createWindow() emits, as Electron does for every new webContents. */
  readonly app = Object.assign(new EventEmitter(), { isPackaged: false })
  readonly utilityProcess = { fork: (modulePath: string, args?: string[]) => new FakeUtilityProcess(modulePath, args) }
  readonly ipcMain = new EventEmitter()
  readonly MessageChannelMain: new () => { port1: FakeMessagePortMain; port2: FakeMessagePortMain }
  /** Every MessageChannelMain made, so tests can see what main handed out. */
  readonly channels: { port1: FakeMessagePortMain; port2: FakeMessagePortMain }[] = []
  /** Ports that reached a frame but no listener: open until `collectGarbage()`. */
  readonly unclaimed: MessagePort[] = []
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

  createWindow(url?: string, preferences?: Partial<FakePreferences>): FakeWebContents {
    const wc = new FakeWebContents(this, { sandbox: true, contextIsolation: true, ...preferences })
    this.app.emit('web-contents-created', {}, wc)
    if (url !== undefined) wc.load(url)
    return wc
  }

  /** The renderer collects the ports nobody took: their pipes close. */
  collectGarbage(): void {
    for (const p of this.unclaimed.splice(0)) p.close()
  }

  /**
   * @internal renderer → main, as IpcMainEvent. `senderFrame` is resolved when the message is handled: the
   * frame while the sending document is current, a detached frame when it was sent during unload, and `null`
   * once the document is gone (docs/api/structures/ipc-main-event.md: "May be `null` if accessed after the
   * frame has either navigated or been destroyed").
   */
  deliverToMain(doc: FakeDocument, channel: string, args: unknown[]): void {
    const detached = doc.state === 'unloading' ? new DetachedFrame(doc.frame, doc) : undefined
    setImmediate(() => {
      const frame = doc.frame
      const current = frame.document === doc && doc.state === 'live' && !frame.isDestroyed()
      const event: HelloEventLike = { sender: frame.contents, senderFrame: detached ?? (current ? frame : null) }
      this.ipcMain.emit(channel, event, ...args)
    })
  }
}
