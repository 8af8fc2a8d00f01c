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
 */
import { createHostCore, type HostOptions } from './host.js'
import type { Host } from './index.js'
import type { PortReply } from '../shared/bridge.js'
import { SLUICE_CHANNELS } from '../shared/protocol.js'
import type { Connection } from './host.js'
import type * as Electron from 'electron'

// ---------------------------------------------------------------------------------------------------------------
// The Electron surface serve() uses, and nothing more. Each member is what electron.d.ts declares, narrowed to
// what is read; test/electron-types.test-d.ts proves the real `electron` module is assignable to it.
// ---------------------------------------------------------------------------------------------------------------

/** Process: Main. A `MessagePortMain`, as far as serve() uses it. @see sluice/docs/electron.md#serve */
export type ServePort = Pick<Electron.MessagePortMain, 'postMessage' | 'start' | 'close'> & {
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
  postMessage(channel: string, message: unknown, transfer?: ServePort[]): void
}

/** Process: Main. A `WebContents`, as far as serve() uses it. @see sluice/docs/electron.md#serve */
export interface ServeWebContents {
  readonly id: number
  isDestroyed(): boolean
  on(event: 'destroyed', listener: () => void): unknown
  on(event: 'render-process-gone', listener: (event: unknown, details: Pick<Electron.RenderProcessGoneDetails, 'reason'>) => void): unknown
  on(
    event: 'did-start-navigation',
    listener: (details: Pick<Electron.WebContentsDidStartNavigationEventParams, 'url' | 'isMainFrame' | 'isSameDocument'>) => void,
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
  app: Pick<Electron.App, 'isPackaged'>
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
  /** Where refusals and other wiring notices go. Default `console.warn`. */
  log?: (message: string) => void
  /** Send error stacks to the renderer. Default: `!app.isPackaged`. */
  dev?: boolean
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
  const contents = new Map<number, ContentsState>()
  let closed = false

  function track(wc: ServeWebContents, conn: Connection): void {
    let state = contents.get(wc.id)
    if (state === undefined) {
      state = watch(wc)
      contents.set(wc.id, state)
    }
    const tracked: Tracked = { conn, generation: state.generation }
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

  const onHello = (event: HelloEvent, ...args: unknown[]): void => {
    if (closed) return
    // Read everything off senderFrame now: after an await it may be detached or null (Electron ≥ 33).
    const frame = event.senderFrame
    const wc = event.sender
    const request = typeof args[0] === 'number' && Number.isSafeInteger(args[0]) ? args[0] : null
    if (frame === null || wc.isDestroyed()) {
      log('sluice: serve(): a hello arrived from a frame that is already gone; no port was sent')
      return
    }
    const { origin, url } = frame
    if (!allowed(origin, url)) {
      log(
        `sluice: serve(): refused a port to the frame at ${url} (origin ${origin}): the origin is not in allowOrigins ` +
          `(${describeRules(options.allowOrigins, app.isPackaged)}). Add it to serve(api, { allowOrigins }) if this frame should call the api.`,
      )
      const reply: PortReply = { request, refused: `the main process does not serve this origin (${origin})` }
      frame.postMessage(SLUICE_CHANNELS.SLUICE_PORT_MAIN_TO_RENDERER, reply)
      return
    }
    const peer: Omit<ElectronPeer, 'id'> = {
      webContentsId: wc.id,
      processId: frame.processId,
      frameId: frame.routingId,
      frameTreeNodeId: frame.frameTreeNodeId,
      mainFrame: frame.parent === null,
      url,
      origin,
    }
    const { port1, port2 } = new MessageChannelMain()
    // connect() starts port1: an unstarted MessagePortMain would never notice its peer closing.
    const conn = core.connect(port1, peer)
    track(wc, conn)
    const reply: PortReply = { request }
    frame.postMessage(SLUICE_CHANNELS.SLUICE_PORT_MAIN_TO_RENDERER, reply, [port2])
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
      }
      core.close()
    },
  }
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
      if (typeof rule !== 'string') return !isFile && rule.test(origin)
      if (rule === '*') return true
      if (rule === 'file://' || rule === 'file:') return isFile
      // An opaque origin ('null': data:, sandboxed iframes, ...) never matches a string rule.
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
