/**
 * `serve()`: the Electron wiring. Gives every allowed frame of every window its own port, now and later, and
 * ends that peer whenever its document goes away.
 *
 * This is the one file of the main side that knows about Electron, and it never imports it at run time: the
 * electron module is injected (`options.electron`, which is how the tests run it against a fake) or looked up
 * when `serve()` is called. So `import 'sluice/main'` keeps working in plain Node, in workers and in browsers.
 *
 * ============================================================================================================
 * Teardown
 * ============================================================================================================
 * A peer ends on whichever of these comes first; `Connection.close()` is idempotent, so the others are no-ops:
 * - the port's 'close' (the renderer side of the pipe died: reload, navigation, crash, window closed);
 * - `webContents` 'destroyed';
 * - `webContents` 'render-process-gone';
 * - a new document committed in the main frame.
 *
 * The last one is detected in two steps, on purpose. `did-start-navigation` (main frame, not same-document)
 * marks every connection the webContents has *so far* as belonging to the outgoing document; `did-navigate`
 * (the commit) then ends the marked ones. Ending them at `did-start-navigation` already would be wrong twice:
 * a navigation can still be cancelled after it starts (`will-navigate`'s preventDefault, which Electron's
 * security checklist recommends; a 204; a download; `beforeunload`), which would leave a live page with a
 * dead port; and the new document's hello may reach main before `did-navigate`, so "everything of this
 * frame" at commit time could include the fresh connection. The mark keeps the fresh one apart.
 *
 * ============================================================================================================
 * A hello is untrusted, and so is the frame it names
 * ============================================================================================================
 * An exception thrown by an `ipcMain` listener is uncaught in main, and a frame can die between any two lines:
 * `senderFrame` is `null` once the frame host is gone, `detached` while its document unloads, and every getter
 * throws "Render frame was disposed…" once it is disposed (shell/browser/api/electron_api_web_frame_main.cc,
 * `CheckRenderFrame`; spec/api-web-frame-main-spec.ts "is detached when unload handler sends IPC",
 * "throws upon accessing properties when disposed"). So the frame is read once, in one guarded place, and
 * `frame.postMessage` (which disentangles the port before it checks the frame, so a throw loses port2) is
 * guarded too: its connection is closed at once.
 *
 * The reply echoes the hello's per-document token: `frame.postMessage` delivers into whatever document the
 * frame holds when the message lands, and a reload may reuse the frame host, so without it a new page could
 * adopt the old page's port, which main ends at the commit.
 */
import { createHostCore, type HostOptions } from './host.js'
import type { Host } from './index.js'
import { HELLO_TOKEN_MAX_LENGTH, type PortReply } from '../shared/bridge.js'
import { SLUICE_CHANNELS } from '../shared/protocol.js'
import type { Connection } from './host.js'
import { contextFollowsAwait, useAsyncLocalStorage, type AsyncLocalStorageClass } from './context.js'
import { type WatchedContents, watchPreload } from './preload-watch.js'
import type { RemoteHost } from './remote.js'

// ---------------------------------------------------------------------------------------------------------------
// The Electron surface serve() uses, and nothing more. Each member is what electron.d.ts declares, narrowed to
// what is read; test/electron-types.test-d.ts proves the real `electron` module is assignable to it.
// ---------------------------------------------------------------------------------------------------------------

/** Process: Main. A `MessagePortMain`, as far as serve() uses it. @see sluice/docs/electron.md#serve */
export interface ServePort {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Electron's own signature: any message, our ports only
  postMessage(message: any, transfer?: ServePort[]): void
  start(): void
  close(): void
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown
  on(event: 'close', listener: () => void): unknown
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any listener: only ever one we added
  off(event: string, listener: (...args: any[]) => void): unknown
}

/** Process: Main. A `WebFrameMain`, as far as serve() uses it. @see sluice/docs/electron.md#serve */
export interface ServeFrame {
  readonly origin: string
  readonly url: string
  readonly processId: number
  readonly routingId: number
  readonly frameTreeNodeId: number
  /** Only compared with `null`: the main frame has no parent. */
  readonly parent: object | null
  /** True while the frame's document unloads (Electron ≥ 34; absent before, read as false). */
  readonly detached?: boolean
  /** Electron ≥ 34; absent before. */
  isDestroyed?(): boolean
  postMessage(channel: string, message: unknown, transfer?: ServePort[]): void
}

/** Process: Main. A `WebContents`, as far as serve() uses it. @see sluice/docs/electron.md#serve */
export interface ServeWebContents {
  readonly id: number
  isDestroyed(): boolean
  on(event: 'destroyed', listener: () => void): unknown
  on(event: 'render-process-gone', listener: (event: unknown, details: { reason: string }) => void): unknown
  on(
    event: 'did-start-navigation',
    listener: (details: { url: string; isMainFrame: boolean; isSameDocument: boolean }) => void,
  ): unknown
  on(event: 'did-navigate', listener: (event: unknown, url: string) => void): unknown
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any listener: only ever one we added
  removeListener(event: 'destroyed' | 'render-process-gone' | 'did-start-navigation' | 'did-navigate', listener: (...args: any[]) => void): unknown
}

/** Process: Main. The part of an `IpcMainEvent` that serve() reads. @see sluice/docs/electron.md#serve */
export interface HelloEvent {
  readonly sender: ServeWebContents
  readonly senderFrame: ServeFrame | null
}

/**
 * Process: Main.
 * The subset of the `electron` main-process module that `serve()` uses: pass it as `options.electron` to run
 * serve() against a fake, or in a bundle where `require('electron')` is unavailable.
 * @see sluice/docs/electron.md#serve
 */
export interface ServeElectron {
  app: {
    readonly isPackaged: boolean
    /** Where serve() learns of every window, to say why one never connects (see preload-watch.ts). */
    on?(event: 'web-contents-created', listener: (event: unknown, webContents: WatchedContents) => void): unknown
    removeListener?(event: 'web-contents-created', listener: (event: unknown, webContents: WatchedContents) => void): unknown
  }
  ipcMain: {
    on(channel: string, listener: (event: HelloEvent, ...args: unknown[]) => void): unknown
    removeListener(channel: string, listener: (event: HelloEvent, ...args: unknown[]) => void): unknown
  }
  MessageChannelMain: new () => { port1: ServePort; port2: ServePort }
}

/** One allow-list entry: an origin (`'https://app.example'`, `'http://localhost:5173'`), `'file://'`, or a RegExp tested against the origin. */
export type OriginRule = string | RegExp

/**
 * Process: Main.
 * Options of `serve()`: every `createHost` option, plus which frames get a port.
 * @see sluice/docs/electron.md#options
 */
export interface ServeOptions extends HostOptions {
  /**
   * Which frames get a port. Default: the app's own pages, i.e. `file://` URLs, plus the dev server's origin
   * (`process.env.ELECTRON_RENDERER_URL`, as electron-vite sets it) while the app is not packaged.
   * A function gets the frame's origin and URL, read when its hello arrived. A frame that is not allowed
   * gets no port, and the refusal is logged.
   */
  allowOrigins?: readonly OriginRule[] | ((frame: { origin: string; url: string }) => boolean)
  /** The electron main module, or a faithful subset of it. Default: `require('electron')`, looked up in serve(). */
  electron?: ServeElectron
  /**
   * How long after a window with a preload finished loading serve() waits for its hello before it logs why
   * none came (most often: a sandboxed preload that `require`s sluice instead of bundling it). A preload that
   * throws is reported at once, whatever this is. Default 5000; 0 turns the wait off.
   */
  helloWarningMs?: number
  /** Where refusals and other wiring notices go. Default `console.warn`. */
  log?: (message: string) => void
  /** Send error stacks to the renderer. Default: `!app.isPackaged`. */
  dev?: boolean
  /**
   * Live connections one frame may hold. Every hello makes a connection, and every connection gets the full
   * per-connection `limits`, so a frame saying hello in a loop would multiply them. When a hello would go
   * past the cap, the frame's oldest connection is closed, so a page that reconnects is never locked out.
   * Default 4 (a page uses one; `exposeBridge()` plus `exposeApi()` two).
   */
  maxConnectionsPerFrame?: number
  /**
   * Live connections one webContents (all its frames together) may hold; past it, its oldest connection is
   * closed. Default 32.
   */
  maxConnectionsPerWebContents?: number
  /**
   * Namespaces served elsewhere: `{ files: utilityHost(child) }` routes `api.files.*` to the api that
   * `serveUtility()` serves in that utility process. A page asks for each namespace's port with its own hello
   * (it learns the names from `routes` in main's first reply), and the items of those calls flow between the
   * page and that process directly. A name must not also be a member of `api`.
   */
  hosts?: Readonly<Record<string, RemoteHost>>
}

/** Process: Main. What `getContext().peer` holds for a renderer that `serve()` connected. @see sluice/docs/electron.md#peer */
export interface ElectronPeer {
  readonly id: number
  readonly webContentsId: number
  readonly processId: number
  /** The frame's routing id (with `processId`, what `webFrameMain.fromId()` takes). */
  readonly frameId: number
  readonly frameTreeNodeId: number
  readonly mainFrame: boolean
  /** The frame's URL and origin when it said hello. */
  readonly url: string
  readonly origin: string
}

// ---------------------------------------------------------------------------------------------------------------

interface Tracked {
  conn: Connection
  /** The webContents' navigation generation when this connection was made. */
  generation: number
  /**
   * The frame's `frameTreeNodeId` (stable for the frame across its documents, so a reloading frame counts as
   * one) and the route: each namespace's connections are capped on their own, so a page's files port never
   * pushes out its main port.
   */
  frame: string
}

/**
 * The reply to a hello, as main sends it: shared/bridge.ts's `PortReply`, plus the two fields of routing.
 * `routes` (in the reply to a plain hello) lists the namespaces served elsewhere; `route` (in the reply to a
 * hello that named one) says which namespace the port serves.
 */
export interface RoutedPortReply extends PortReply {
  routes?: string[]
  route?: string
}

/** A namespace a page may name in its hello: an identifier, so it is also a plain property name in the api. */
const ROUTE_NAME = /^[A-Za-z_$][\w$]{0,63}$/
const FORBIDDEN_ROUTES = new Set(['__proto__', 'constructor', 'prototype', 'then'])

/** What serve() needs of a frame, read in one go while it is known to be alive. */
interface FrameFacts {
  origin: string
  url: string
  processId: number
  routingId: number
  frameTreeNodeId: number
  mainFrame: boolean
}

interface ContentsState {
  wc: ServeWebContents
  conns: Set<Tracked>
  /** Bumped by every main-frame cross-document `did-start-navigation`. */
  generation: number
  detach(): void
}

export function serveElectron<Api extends object>(api: Api, options: ServeOptions = {}): Host<Api> {
  const electron = options.electron ?? loadElectron()
  const { app, ipcMain, MessageChannelMain } = electron
  const log = options.log ?? ((message: string) => console.warn(message))
  const allowed = originMatcher(options.allowOrigins, app.isPackaged)
  const core = createHostCore(api, { ...options, dev: options.dev ?? !app.isPackaged })
  const perFrame = capOption(options.maxConnectionsPerFrame, 4, 'maxConnectionsPerFrame')
  const perContents = capOption(options.maxConnectionsPerWebContents, 32, 'maxConnectionsPerWebContents')
  if (!contextFollowsAwait) injectAsyncLocalStorage()
  const hosts = checkHosts(api, options.hosts)
  const routes = [...hosts.keys()]
  /** Every live connection to a remote host, so that close() can end them: the core knows only its own. */
  const remote = new Set<Connection>()
  const contents = new Map<number, ContentsState>()
  let closed = false
  /** webContents that have said hello at least once (for the preload watch). */
  const helloed = new Set<number>()
  const helloWarningMs = options.helloWarningMs ?? 5000
  const onContents = (_event: unknown, wc: WatchedContents): void => {
    try {
      watchPreload(wc, (id) => helloed.has(id), log, helloWarningMs)
      wc.on('destroyed', () => helloed.delete(wc.id))
    } catch {
      // A diagnostic must never break window creation.
    }
  }
  app.on?.('web-contents-created', onContents)

  /**
   * Holds `frame` and its webContents to their caps, once a new connection is tracked: the oldest go (a Set
   * iterates in insertion order), the newest never does, and the state never empties while doing so.
   */
  function enforceCaps(state: ContentsState, frame: string): void {
    const ofFrame = [...state.conns].filter((t) => t.frame === frame)
    for (const t of ofFrame.slice(0, Math.max(0, ofFrame.length - perFrame))) {
      t.conn.close(`this frame opened more than ${perFrame} connections (maxConnectionsPerFrame); the oldest was closed`)
    }
    const all = [...state.conns]
    for (const t of all.slice(0, Math.max(0, all.length - perContents))) {
      t.conn.close(`this window opened more than ${perContents} connections (maxConnectionsPerWebContents); the oldest was closed`)
    }
  }

  function stateOf(wc: ServeWebContents): ContentsState {
    let state = contents.get(wc.id)
    if (state === undefined) {
      state = watch(wc)
      contents.set(wc.id, state)
    }
    return state
  }

  function track(state: ContentsState, wc: ServeWebContents, conn: Connection, frame: string): void {
    const tracked: Tracked = { conn, generation: state.generation, frame }
    state.conns.add(tracked)
    const owner = state
    conn.onClose(() => {
      owner.conns.delete(tracked)
      if (owner.conns.size === 0 && contents.get(wc.id) === owner) {
        contents.delete(wc.id)
        owner.detach()
      }
    })
  }

  /** Listens to the events that end a webContents' peers. Detached again when its last peer ends. */
  function watch(wc: ServeWebContents): ContentsState {
    const state: ContentsState = { wc, conns: new Set(), generation: 0, detach: () => {} }
    const endAll = (reason: string) => {
      for (const t of [...state.conns]) t.conn.close(reason)
    }
    const onDestroyed = () => endAll('the window was destroyed')
    const onGone = (_event: unknown, details: { reason: string }) => endAll(`the renderer process is gone (${details?.reason ?? 'unknown'})`)
    const onStart = (details: { isMainFrame: boolean; isSameDocument: boolean }) => {
      if (details.isMainFrame && !details.isSameDocument) state.generation++
    }
    const onCommit = (_event: unknown, url: string) => {
      for (const t of [...state.conns]) {
        if (t.generation < state.generation) t.conn.close(`the main frame navigated to a new document (${url})`)
      }
    }
    wc.on('destroyed', onDestroyed)
    wc.on('render-process-gone', onGone)
    wc.on('did-start-navigation', onStart)
    wc.on('did-navigate', onCommit)
    state.detach = () => {
      if (wc.isDestroyed()) return
      wc.removeListener('destroyed', onDestroyed)
      wc.removeListener('render-process-gone', onGone)
      wc.removeListener('did-start-navigation', onStart)
      wc.removeListener('did-navigate', onCommit)
    }
    return state
  }

  const answer = (frame: ServeFrame, reply: RoutedPortReply, transfer?: ServePort[]): boolean => {
    try {
      frame.postMessage(SLUICE_CHANNELS.SLUICE_PORT_MAIN_TO_RENDERER, reply, transfer)
      return true
    } catch (e) {
      log(`sluice: serve(): could not answer a hello: the frame went away (${errorText(e)})`)
      return false
    }
  }

  const hello = (event: HelloEvent, args: unknown[]): void => {
    if (closed) return
    const request = typeof args[0] === 'number' && Number.isSafeInteger(args[0]) ? args[0] : null
    const token = typeof args[1] === 'string' && args[1].length <= HELLO_TOKEN_MAX_LENGTH ? args[1] : undefined
    // A hello that names a namespace asks for that host's port; anything else asks for main's.
    const route = typeof args[2] === 'string' ? args[2] : undefined
    // Read everything off senderFrame now: after an await it may be detached, disposed or null (Electron ≥ 33).
    const frame = event.senderFrame
    const wc = event.sender
    const facts = frame === null ? undefined : readFrame(frame)
    if (frame === null || facts === undefined || wc.isDestroyed()) {
      log('sluice: serve(): a hello arrived from a frame that is already gone or unloading; no port was sent')
      return
    }
    const { origin, url } = facts
    const reply: RoutedPortReply = token === undefined ? { request } : { request, token }
    if (route !== undefined) reply.route = route.slice(0, 64)
    else if (routes.length > 0) reply.routes = routes
    if (!allowed(origin, url)) {
      log(
        `sluice: serve(): refused a port to the frame at ${url} (origin ${origin}): the origin is not in allowOrigins ` +
          `(${describeRules(options.allowOrigins, app.isPackaged)}). Add it to serve(api, { allowOrigins }) if this frame should call the api.`,
      )
      answer(frame, { ...reply, refused: `the main process does not serve this origin (${origin})` })
      return
    }
    const peer: Omit<ElectronPeer, 'id'> = {
      webContentsId: wc.id,
      processId: facts.processId,
      frameId: facts.routingId,
      frameTreeNodeId: facts.frameTreeNodeId,
      mainFrame: facts.mainFrame,
      url,
      origin,
    }
    const target = route === undefined ? undefined : hosts.get(route)
    if (route !== undefined) {
      const refused =
        target === undefined
          ? `no host serves the namespace '${route.slice(0, 64)}' (serve(api, { hosts }) names: ${routes.join(', ') || 'none'})`
          : !target.running
            ? `the host of '${route}' is not running (its process exited; the app can restart it with attach())`
            : undefined
      if (refused !== undefined) {
        log(`sluice: serve(): refused a port for '${route.slice(0, 64)}' to the frame at ${url}: ${refused}`)
        answer(frame, { ...reply, refused })
        return
      }
    }
    const { port1, port2 } = new MessageChannelMain()
    let conn: Connection
    if (target === undefined) {
      // connect() starts port1: an unstarted MessagePortMain would never notice its peer closing.
      conn = core.connect(port1, peer)
    } else {
      // port1 goes to the host process; main keeps only the connection's record, which the window's events end.
      conn = target.connect(port1, { ...peer, route })
      remote.add(conn)
      conn.onClose(() => remote.delete(conn))
    }
    const state = stateOf(wc)
    const key = route === undefined ? String(facts.frameTreeNodeId) : `${facts.frameTreeNodeId}/${route}`
    track(state, wc, conn, key)
    enforceCaps(state, key)
    if (!answer(frame, reply, [port2])) conn.close('the frame went away before its port could be sent')
  }

  const onHello = (event: HelloEvent, ...args: unknown[]): void => {
    // Nothing may escape an ipcMain listener: there it would be an uncaught exception in main.
    try {
      helloed.add(event.sender.id)
      hello(event, args)
    } catch (e) {
      try {
        log(`sluice: serve(): dropped a hello: ${errorText(e)}`)
      } catch {
        // A throwing log function: the hello is dropped all the same, and main stays up.
      }
    }
  }

  ipcMain.on(SLUICE_CHANNELS.SLUICE_HELLO_RENDERER_TO_MAIN, onHello)

  return {
    connect: core.connect,
    stats: core.stats,
    emit: (name, ...args) => core.broadcast(name, args),
    close() {
      if (!closed) {
        closed = true
        ipcMain.removeListener(SLUICE_CHANNELS.SLUICE_HELLO_RENDERER_TO_MAIN, onHello)
        app.removeListener?.('web-contents-created', onContents)
      }
      for (const conn of [...remote]) conn.close('the main process stopped serving')
      core.close()
    },
  }
}

/** The routed namespaces, checked once: a clear error at serve() beats a page that calls the wrong host. */
function checkHosts(api: object, given: ServeOptions['hosts']): Map<string, RemoteHost> {
  const hosts = new Map<string, RemoteHost>()
  if (given === undefined) return hosts
  if (typeof given !== 'object' || given === null) throw new TypeError('sluice: serve(): options.hosts must be an object of utilityHost()/workerHost() handles')
  for (const [name, host] of Object.entries(given)) {
    if (!ROUTE_NAME.test(name) || FORBIDDEN_ROUTES.has(name)) {
      throw new TypeError(`sluice: serve(): options.hosts: '${name}' cannot name a namespace (use an identifier, not ${[...FORBIDDEN_ROUTES].join('/')})`)
    }
    if (typeof (host as Partial<RemoteHost>)?.connect !== 'function' || typeof (host as Partial<RemoteHost>).attach !== 'function') {
      throw new TypeError(`sluice: serve(): options.hosts.${name} must be a utilityHost() or workerHost() handle`)
    }
    if (Object.getOwnPropertyDescriptor(api, name) !== undefined) {
      throw new TypeError(`sluice: serve(): options.hosts.${name} routes 'api.${name}' elsewhere, but the api served in main also has '${name}': rename one of them`)
    }
    hosts.set(name, host)
  }
  return hosts
}

/**
 * The real electron module, looked up at call time. `require` is there when the app's main bundle is CJS (what
 * electron-vite emits by default); an ESM main gets it from `module.createRequire`. Outside Electron this
 * refuses early: in plain Node, `require('electron')` would resolve the npm package, whose index.js tries to
 * download a binary.
 */
function loadElectron(): ServeElectron {
  const proc = (globalThis as { process?: ProcessLike }).process
  if (proc?.versions?.electron === undefined || proc.type !== 'browser') {
    throw new Error(
      "sluice: serve() must run in Electron's main process (or be given options.electron). " +
        'Elsewhere, serve one port at a time with createHost(api).connect(port).',
    )
  }
  const req =
    (typeof require === 'function' ? require : undefined) ??
    (proc.getBuiltinModule?.('node:module') as { createRequire(url: string): (id: string) => unknown } | undefined)?.createRequire(import.meta.url)
  if (req === undefined) {
    throw new Error("sluice: serve() could not load 'electron' (no require, no process.getBuiltinModule): pass options.electron")
  }
  return req('electron') as ServeElectron
}

/**
 * The frame's facts, or undefined when it is detached (its document is unloading: a port sent there would die
 * with it) or disposed (every getter throws).
 */
function readFrame(frame: ServeFrame): FrameFacts | undefined {
  try {
    if (frame.detached === true || frame.isDestroyed?.() === true) return undefined
    return {
      origin: String(frame.origin),
      url: String(frame.url),
      processId: frame.processId,
      routingId: frame.routingId,
      frameTreeNodeId: frame.frameTreeNodeId,
      mainFrame: frame.parent === null,
    }
  } catch {
    return undefined
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

function capOption(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`sluice: serve(): options.${name} must be an integer of at least 1`)
  return value
}

/**
 * Main is always Node, but `process.getBuiltinModule` (how the core finds AsyncLocalStorage without importing
 * a Node built-in) only exists from Node 20.16 / 22.3: Electron 30 and 31 lack it. serve() runs only in
 * Electron's main process, so it may use the CJS `require` the app's main bundle has. (An ESM main on
 * Electron 30–31 has neither; the `node` export condition, main/node.ts, covers it.)
 */
const ASYNC_HOOKS = 'node:async_hooks'

function injectAsyncLocalStorage(): void {
  if (typeof require !== 'function') return
  try {
    // Through a variable, so that no bundler tries to resolve a Node built-in into a browser bundle.
    const req = require
    const mod = req(ASYNC_HOOKS) as { AsyncLocalStorage?: AsyncLocalStorageClass }
    if (mod.AsyncLocalStorage !== undefined) useAsyncLocalStorage(mod.AsyncLocalStorage)
  } catch {
    // Not Node after all: the context stays synchronous, as getContext()'s error message says.
  }
}

/** What serve() reads of `process`, typed here so the library builds without Node's types. */
interface ProcessLike {
  type?: string
  versions?: { electron?: string }
  env?: Record<string, string | undefined>
  getBuiltinModule?: (id: string) => unknown
}

/** CJS `require`, when this module was bundled into a CJS main; undefined in ESM. */
declare const require: ((id: string) => unknown) | undefined

function originMatcher(rules: ServeOptions['allowOrigins'], isPackaged: boolean): (origin: string, url: string) => boolean {
  if (typeof rules === 'function') return (origin, url) => rules({ origin, url })
  const list = rules ?? defaultRules(isPackaged)
  return (origin, url) => {
    const isFile = url.startsWith('file:')
    return list.some((rule) => {
      // Opaque origins ('null': data: URLs, sandboxed iframes) match no RegExp and no string rule but '*'.
      // lastIndex is reset so that a /g or /y rule does not alternate between allow and refuse.
      if (typeof rule !== 'string') return !isFile && origin !== 'null' && ((rule.lastIndex = 0), rule.test(origin))
      if (rule === '*') return true
      // A file: page's origin is 'file://'; a sandboxed file: iframe's is opaque ('null'), and opaque origins
      // match no string rule (spec/api-web-frame-main-spec.ts "should be file:// for file frames").
      if (rule === 'file://' || rule === 'file:') return isFile && origin === 'file://'
      return !isFile && origin !== 'null' && normalizeOrigin(rule) === origin
    })
  }
}

function defaultRules(isPackaged: boolean): OriginRule[] {
  const rules: OriginRule[] = ['file://']
  const devUrl = (globalThis as { process?: ProcessLike }).process?.env?.ELECTRON_RENDERER_URL
  if (!isPackaged && devUrl) rules.push(normalizeOrigin(devUrl))
  return rules
}

function normalizeOrigin(s: string): string {
  try {
    const origin = new URL(s).origin
    return origin === 'null' ? s : origin
  } catch {
    return s
  }
}

function describeRules(rules: ServeOptions['allowOrigins'], isPackaged: boolean): string {
  if (typeof rules === 'function') return 'a function'
  return (rules ?? defaultRules(isPackaged)).map(String).join(', ')
}
