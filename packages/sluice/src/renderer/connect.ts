/**
 * `connect()`: the page's side of the Electron handshake. Asks the preload for a port (see shared/bridge.ts for
 * every hop) and returns a client at once: calls made before the port arrives wait in a PendingPort and leave,
 * in order, the moment it does. A reloaded or navigated page is a new page, so it simply connects again.
 * Namespaces main routes to other processes get a port each, asked for at their first call (routes.ts).
 */
import { type PortMessage, SLUICE_BRIDGE, type WantPortMessage } from '../shared/bridge.js'
import { DisconnectedError } from '../shared/errors.js'
import { PendingPort } from '../shared/pending-port.js'
import { ClientConnection, type ClientOptions } from './client.js'
import { createProxy } from './proxy.js'
import { Router } from './routes.js'

export interface ConnectOptions extends ClientOptions {
  /** Fail every call with a DisconnectedError when no port has come after this long. Default 30 000 ms. */
  timeoutMs?: number
  /** The window to connect from. Default: the global `window`. */
  window?: WindowLike
}

/** The part of `window` that connect() uses. */
export interface WindowLike {
  readonly location: { readonly origin: string; readonly protocol: string }
  postMessage(message: unknown, targetOrigin: string): void
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void
}

const clients = new WeakMap<WindowLike, unknown>()

function nonce(): string {
  const bytes = new Uint8Array(16)
  crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** A message from this very window: the preload's isolated world shares it, an iframe or opener does not. */
function fromSelf(w: WindowLike, event: MessageEvent): boolean {
  if (event.source !== (w as unknown)) return false
  if (event.origin === w.location.origin) return true
  // file: pages: location.origin and event.origin may serialize as 'file://' or 'null'.
  return w.location.protocol === 'file:' && (event.origin === 'null' || event.origin === 'file://')
}

export function hasBridge(w: unknown = (globalThis as { window?: unknown }).window): boolean {
  return typeof w === 'object' && w !== null && (w as Record<string, unknown>)[SLUICE_BRIDGE.MARKER_KEY] !== undefined
}

export function connectImpl(options: ConnectOptions = {}): unknown {
  const w = options.window ?? (globalThis as unknown as { window?: WindowLike }).window
  if (w === undefined) throw new Error('sluice: connect() runs in a page (there is no window here); elsewhere use createClient(port)')
  const existing = clients.get(w)
  if (existing !== undefined) return existing
  if (!hasBridge(w)) {
    throw new Error(
      "sluice: connect() found no sluice bridge in this page: call exposeBridge() from 'sluice/preload' in the window's preload script " +
        '(or, outside Electron, use createClient(port)).',
    )
  }
  const timeoutMs = options.timeoutMs ?? 30_000
  const main = askForPort(w, options, timeoutMs, undefined, (routes) => router.setRoutes(routes))
  const router = new Router(main, (route) => askForPort(w, options, timeoutMs, route, () => {}))
  const client = createProxy(router)
  clients.set(w, client)
  // Once main's connection closes, a later connect() makes a new client; routed ones end with it.
  main.onClose((error) => {
    router.close(error)
    if (clients.get(w) === client) clients.delete(w)
  })
  return client
}

/**
 * Asks the preload for a port (main's, or with `route` one to another process) and returns a connection at
 * once; its calls wait in a PendingPort until the port comes. `onRoutes` hears the routed namespaces that come
 * with main's port (none if the port never comes).
 */
function askForPort(w: WindowLike, options: ConnectOptions, timeoutMs: number, route: string | undefined, onRoutes: (routes: string[]) => void): ClientConnection {
  const pending = new PendingPort()
  const conn = new ClientConnection(pending, options)
  const id = nonce()
  const what = route === undefined ? 'connect()' : `connect(): the '${route}' namespace`
  const stop = () => {
    w.removeEventListener('message', onMessage)
    clearTimeout(timer)
  }
  const onMessage = (event: MessageEvent) => {
    const data = event.data as PortMessage | null
    if (typeof data !== 'object' || data === null || data.sluice !== SLUICE_BRIDGE.PORT_PRELOAD_TO_PAGE || data.nonce !== id) return
    if (!fromSelf(w, event)) return
    stop()
    const port = event.ports?.[0]
    if (port !== undefined) {
      pending.attach(port)
      onRoutes(Array.isArray(data.routes) ? data.routes.filter((r): r is string => typeof r === 'string') : [])
    } else {
      conn.close(new DisconnectedError(`sluice: ${what}: ${data.error ?? 'the preload sent no port'}`))
    }
  }
  const timer = setTimeout(() => {
    w.removeEventListener('message', onMessage)
    if (!pending.settled) conn.close(new DisconnectedError(`sluice: ${what}: no port from the preload within ${timeoutMs} ms: is serve(api) running in main?`))
  }, timeoutMs)
  conn.onClose(stop)
  w.addEventListener('message', onMessage)
  const want: WantPortMessage = route === undefined ? { sluice: SLUICE_BRIDGE.WANT_PORT_PAGE_TO_PRELOAD, nonce: id } : { sluice: SLUICE_BRIDGE.WANT_PORT_PAGE_TO_PRELOAD, nonce: id, route }
  w.postMessage(want, w.location.origin.startsWith('http') ? w.location.origin : '*')
  return conn
}
