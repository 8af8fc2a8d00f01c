/**
 * The page-to-preload lane of the Electron handshake, and the message shapes on every hop. Types and constants
 * only. Every channel name lives in `SLUICE_CHANNELS` (protocol.ts); this file names the two that travel over
 * `window.postMessage`, between the preload's isolated world and the page, for the modules that use them.
 *
 * The whole handshake, hop by hop:
 * 1. page → preload: `window.postMessage({ sluice: 'sluice:want-port', nonce, route? }, '*')`  (connect())
 * 2. preload → main: `ipcRenderer.send(SLUICE_HELLO_RENDERER_TO_MAIN, request, token, route?)`  (exposeBridge())
 * 3. main → preload: `senderFrame.postMessage(SLUICE_PORT_MAIN_TO_RENDERER, { request, token, routes?, route? }, [port])`
 *    (serve()), or, for a frame whose origin is not allowed, `{ request, token, refused }` and no port;
 * 4. preload → page: `window.postMessage({ sluice: 'sluice:port', nonce, routes? }, '*', [port])`,
 *    or `{ sluice: 'sluice:port', nonce, error }`.
 * A hello without `route` asks for main's port, and its reply lists in `routes` the namespaces served by other
 * processes (serve(api, { hosts })); a hello naming a `route` asks for a port to that namespace's process.
 */
import { SLUICE_CHANNELS } from './protocol.js'

export const SLUICE_BRIDGE = {
  /** Page to preload over `window.postMessage`: "relay me a port". Carries a nonce that the answer repeats. */
  WANT_PORT_PAGE_TO_PRELOAD: SLUICE_CHANNELS.SLUICE_WANT_PORT_PAGE_TO_PRELOAD,
  /** Preload to page over `window.postMessage`, with the port in the transfer list. */
  PORT_PRELOAD_TO_PAGE: SLUICE_CHANNELS.SLUICE_PORT_PRELOAD_TO_PAGE,
  /** The key under which `exposeBridge()` puts its marker on `window`, so a page can tell it runs in Electron. */
  MARKER_KEY: 'sluiceBridge',
} as const

/** What `ipcRenderer.send(SLUICE_HELLO_RENDERER_TO_MAIN, request, token)` carries first: a request id that main echoes. */
export type HelloRequest = number

/**
 * The hello's second argument: random, made once per document (per run of the preload), and echoed by main.
 * Request ids restart at 1 in every document, and `frame.postMessage` delivers into whatever document the
 * frame holds when the reply lands, so only the token tells a reply for this document from one for the
 * document a reload replaced.
 */
export type HelloToken = string

/** Main ignores a longer token (it is echoed back, so its size is the sender's to keep small). */
export const HELLO_TOKEN_MAX_LENGTH = 64

/** The message body main sends with (or instead of) the port. */
export interface PortReply {
  request: HelloRequest | null
  /** The hello's token, echoed; absent when the hello carried none. */
  token?: HelloToken
  /** Set when main refused this frame: why, in words fit for a console. No port comes with it. */
  refused?: string
  /** In the reply to a hello for main's port: the namespaces served by other processes. */
  routes?: string[]
  /** In the reply to a hello that named a route: that route. */
  route?: string
}

/** Page to preload. */
export interface WantPortMessage {
  sluice: typeof SLUICE_BRIDGE.WANT_PORT_PAGE_TO_PRELOAD
  nonce: string
  /** A namespace served by another process (one of main's `routes`); absent for main's own port. */
  route?: string
}

/** Preload to page: the port is in `event.ports[0]`, or `error` says why none came. */
export interface PortMessage {
  sluice: typeof SLUICE_BRIDGE.PORT_PRELOAD_TO_PAGE
  nonce: string
  error?: string
  /** With main's port: the namespaces served by other processes, each reached over a port of its own. */
  routes?: string[]
}

/** What `window.sluiceBridge` holds in a page whose preload called `exposeBridge()`. */
export interface BridgeMarker {
  readonly version: 1
}
