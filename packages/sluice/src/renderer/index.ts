/**
 * `sluice/renderer`: the client side. Process: Renderer (or any client: a worker, a browser page, Node).
 */
import type { PortLike } from '../shared/port.js'
import type { Client } from '../shared/types.js'
import type { EventMap } from '../shared/event-map.js'
import { ClientConnection, type ClientOptions } from './client.js'
import { type Events, eventsOf } from './events.js'
import { connectionOf, createProxy } from './proxy.js'

export type { ClientOptions } from './client.js'
export type { Events } from './events.js'
export type { BroadcastMessage } from '../shared/broadcast.js'
export type { ChannelEnd, SendOptions } from '../shared/channel.js'
export type { Client, ObservableLike, RemoteObservable, StreamCall } from '../shared/types.js'
export type { RemoteDownload, RemoteFile } from '../shared/refs/blobs.js'
export { release } from '../shared/refs/functions.js'
export { AbortError, DisconnectedError, ObservableOverflowError, ProtocolError, ValidationError } from '../shared/errors.js'

/**
 * Process: Renderer (any client).
 * Makes a typed client for the api served at the other end of `port`:
 * `const api = createClient<typeof import('../main/api')>(port)`.
 * @see sluice/docs/api.md#createclient
 */
export function createClient<Api>(port: PortLike, options?: ClientOptions): Client<Api> {
  return createProxy(new ClientConnection(port, options)) as Client<Api>
}

/**
 * Process: Renderer (any client).
 * Typed host events: `const off = events<AppEvents>(api).on('tick', (n) => …)`. `AppEvents` is the same
 * typed-emitter map the host was created with. Kept beside the client so event names never collide with
 * api exports.
 * @see sluice/docs/primitives.md#events
 */
export function events<E extends EventMap>(client: unknown): Events<E> {
  return eventsOf<E>(client)
}

/**
 * Process: Renderer (any client).
 * Closes the client's connection: every open call and stream rejects with a `DisconnectedError`, and the host
 * cancels them (their `finally` blocks run). Idempotent.
 * @see sluice/docs/api.md#close
 */
export function close(client: unknown): void {
  connectionOf(client).close()
}

// ---- Electron pages and other transports (appended) -----------------------------------------------------------
import { type ConnectOptions, connectImpl, hasBridge } from './connect.js'

export type { ConnectOptions, WindowLike } from './connect.js'
export type { WebSocketLike, WebSocketPortOptions } from '../shared/websocket-port.js'

/**
 * Process: Renderer.
 * The typed client for main's api, in a page whose preload called `exposeBridge()`:
 * `const api = connect<typeof import('../main/api')>()`. Returns at once; calls made before the port has
 * arrived wait and then leave in order. Returns the same client for the same page until it is closed.
 * Throws when the page has no bridge (see `isBridged()`).
 * @see sluice/docs/electron.md#connect
 */
export function connect<Api>(options?: ConnectOptions): Client<Api> {
  return connectImpl(options) as Client<Api>
}

/**
 * Process: Renderer.
 * True when this page's preload called `exposeBridge()` (so `connect()` will work); false in a plain browser
 * tab, where a page picks another port, e.g. `createClient(webSocketPort(new WebSocket(url)))`.
 * @see sluice/docs/electron.md#isbridged
 */
export function isBridged(): boolean {
  return hasBridge()
}

// webSocketPort: a Port over a WebSocket (its TSDoc is on the function, in shared/websocket-port.ts).
export { webSocketPort } from '../shared/websocket-port.js'
