/**
 * `sluice/main`: the host side. Process: Main (or any host: a worker, a utility process, Node).
 */
import type { EventMap } from '../shared/event-map.js'
import type { PortLike } from '../shared/port.js'
import { type Connection, createHostCore, type HostOptions, type HostStats } from './host.js'

export { Broadcast } from './broadcast.js'
export type { BroadcastKey } from './broadcast.js'
export type { BroadcastMessage, BroadcastStats, BroadcastSubscribeOptions } from '../shared/broadcast.js'
export { Channel } from './channel.js'
export type { ChannelEnd, SendOptions } from '../shared/channel.js'
export type { ObservableLike, RemoteObservable } from '../shared/types.js'
export { release } from '../shared/refs/functions.js'
export { validated } from './validated.js'
export { download } from '../shared/refs/blobs.js'
export type { Download, DownloadBody, DownloadOptions, RemoteFile } from '../shared/refs/blobs.js'
export { getContext } from './context.js'
export type { CallContext, Peer } from './context.js'
export type { Connection, ConnectionStats, HostOptions, HostStats } from './host.js'
export { Abort, AbortError, DisconnectedError, ObservableOverflowError, ProtocolError, ValidationError } from '../shared/errors.js'

/**
 * Process: Main (any host).
 * A host serving `Api`. One host serves any number of peers, one `connect()` per port.
 * @see sluice/docs/api.md#host
 */
export interface Host<Api = unknown, Events extends EventMap = EventMap> {
  /** Serves one peer over `port`. `peer` is what `getContext().peer` shows for its calls. */
  connect(port: PortLike, peer?: Record<string, unknown>): Connection
  /** Live calls, streams and refs, per peer: everything returns to zero when peers go away. */
  stats(): HostStats
  /**
   * Sends event `name` with `args` to every connected client; `events<Events>(api).on(name, …)` receives it.
   * Type the events with `createHost<typeof api, AppEvents>(api)`, where `AppEvents` is a typed-emitter map.
   */
  emit<K extends keyof Events & string>(name: K, ...args: Parameters<Events[K]>): void
  /** Closes every connection. */
  close(): void
  /** @internal keeps `Api` in the type, so `Host<typeof api>` documents what it serves. */
  readonly __api?: Api
}

/**
 * Process: Main (any host).
 * Creates a host for `api`, a module namespace or an object of functions. Only its own members are callable
 * (nested plain objects become namespaces); inherited members, `__proto__` and `constructor` never are.
 * @see sluice/docs/api.md#createhost
 */
export function createHost<Api extends object, Events extends EventMap = EventMap>(api: Api, options?: HostOptions): Host<Api, Events> {
  const core = createHostCore(api, options)
  return {
    connect: core.connect,
    stats: core.stats,
    emit: (name, ...args) => core.broadcast(name, args),
    close: core.close,
  }
}

// ---- Electron wiring and other transports (appended) ----------------------------------------------------------
import { serveElectron, type ServeOptions } from './electron.js'

export type { ElectronPeer, HelloEvent, OriginRule, ServeElectron, ServeFrame, ServeOptions, ServePort, ServeWebContents } from './electron.js'
export type { WebSocketLike, WebSocketPortOptions } from '../shared/websocket-port.js'

/**
 * Process: Main.
 * Serves `api` to every window of the app, now and later: each allowed frame that calls `exposeBridge()` or
 * `exposeApi()` in its preload gets its own port, and its peer ends (streams cancelled, `finally` and
 * `onClose` run) when its port closes, its webContents is destroyed, its renderer process dies, or its main
 * frame commits a new document. Only frames whose origin is in `options.allowOrigins` get a port (default:
 * `file://` pages and, unpackaged, the electron-vite dev server). Returns the host, so `stats()` works;
 * `close()` stops serving and ends every peer.
 * @see sluice/docs/electron.md#serve
 */
export function serve<Api extends object, Events extends EventMap = EventMap>(api: Api, options?: ServeOptions): Host<Api, Events> {
  return serveElectron(api, options) as Host<Api, Events>
}

// webSocketPort: a Port over a WebSocket (its TSDoc is on the function, in shared/websocket-port.ts).
export { webSocketPort } from '../shared/websocket-port.js'

// Off-main hosts: main's handles (remote.ts) and the host process's side (host-process.ts). Their TSDoc is on
// the functions.
export type { RoutedPortReply } from './electron.js'
export type { RemoteHost, UtilityProcessLike, WorkerLike } from './remote.js'
export type { ParentPortLike, ServeUtilityOptions, ServeWorkerOptions, WorkerParentPortLike } from './host-process.js'
export { utilityHost, workerHost } from './remote.js'
export { serveUtility, serveWorker } from './host-process.js'
