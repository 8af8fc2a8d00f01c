/**
 * `exposeBridge()`: relays ports from main to the page. A MessagePort cannot cross `contextBridge`, so the
 * preload hands it over with `window.postMessage(msg, targetOrigin, [port])`, which can carry transferables
 * from the isolated world to the main world.
 *
 * The page asks (`sluice:want-port`, with a nonce) rather than the preload pushing: a port posted before the
 * page's listener exists would be lost, and the page may connect late. A first port is requested from main
 * at once, so the common case costs no round trip when the page asks.
 */
import { contextBridge } from 'electron'
import { type BridgeMarker, type PortMessage, SLUICE_BRIDGE, type WantPortMessage } from '../shared/bridge.js'
import { contextIsolated } from './isolation.js'
import { type GrantedPort, requestPort } from './request-port.js'

const installed = new WeakSet<Window>()

function isWantPort(data: unknown): data is WantPortMessage {
  const d = data as WantPortMessage | null
  return (
    typeof d === 'object' &&
    d !== null &&
    d.sluice === SLUICE_BRIDGE.WANT_PORT_PAGE_TO_PRELOAD &&
    typeof d.nonce === 'string' &&
    d.nonce.length <= 64 &&
    (d.route === undefined || (typeof d.route === 'string' && d.route.length <= 64))
  )
}

/** Tuple origins can be named as the target; `file:` and opaque origins ('null') can only be reached with '*'. */
function targetOrigin(w: Window): string {
  const origin = w.location.origin
  return origin.startsWith('http:') || origin.startsWith('https:') ? origin : '*'
}

/**
 * Marks the page as bridged, through contextBridge when the worlds are isolated. With isolation off (which a
 * sandboxed preload allows) the preload runs in the page's world, so it defines the marker itself.
 */
export function exposeMarker(key: string, marker: BridgeMarker): void {
  if (contextIsolated()) {
    contextBridge.exposeInMainWorld(key, marker)
  } else {
    Object.defineProperty(window, key, { value: marker, enumerable: true })
  }
}

export function exposeBridgeImpl(): void {
  const w = window
  if (installed.has(w)) return
  // The marker first: if it throws, it throws before any hello, and main holds no connection for this page.
  exposeMarker(SLUICE_BRIDGE.MARKER_KEY, Object.freeze({ version: 1 }))
  installed.add(w)
  // Main's own port, asked for at once: the page's first want-port is then answered without a round trip.
  let spare: Promise<GrantedPort> | undefined = requestPort()
  spare.catch(() => {}) // reported to the page that asks for it
  w.addEventListener('message', (event: MessageEvent) => {
    // Only this window's own scripts may ask: not an iframe, not another window.
    if (event.source !== w || !isWantPort(event.data)) return
    const { nonce, route } = event.data
    let granted: Promise<GrantedPort>
    if (route === undefined) {
      granted = spare ?? requestPort()
      spare = undefined
    } else {
      granted = requestPort(route)
    }
    granted.then(
      ({ port, routes }) => {
        const msg: PortMessage = { sluice: SLUICE_BRIDGE.PORT_PRELOAD_TO_PAGE, nonce }
        if (route === undefined && routes.length > 0) msg.routes = routes
        w.postMessage(msg, targetOrigin(w), [port])
      },
      (e: Error) => {
        const msg: PortMessage = { sluice: SLUICE_BRIDGE.PORT_PRELOAD_TO_PAGE, nonce, error: e.message }
        w.postMessage(msg, targetOrigin(w))
      },
    )
  })
}
