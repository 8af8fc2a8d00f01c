/**
 * The host process's side of an off-main host: `serveUtility(api)` in an Electron utility process,
 * `serveWorker(api)` in a `node:worker_threads` Worker. Each listens on its parent port for the control lane
 * (remote-protocol.ts), connects every port main hands over to one host, and reports each connection's end.
 *
 * Electron's `process.parentPort` starts delivering when its first 'message' listener is added and pauses
 * when the last is removed (lib/utility/init.ts, "Based on third_party/electron_node/lib/internal/worker/io.js"),
 * so listening is all it takes, and `close()` removing the listener lets the process exit. Its 'message'
 * event is `{ data, ports }`, with the ports as MessagePortMain (lib/utility/parent-port.ts); a worker's
 * parentPort gives the message value itself, with transferred ports inside it.
 */
import type { EventMap } from '../shared/event-map.js'
import type { PortLike } from '../shared/port.js'
import { type Connection, createHostCore, type HostOptions } from './host.js'
import type { Host } from './index.js'
import { type MainToHostMessage, REMOTE_LANE, REMOTE_LANE_VERSION } from './remote-protocol.js'

/**
 * Process: Utility (an Electron utility process that hosts an api).
 * Electron's `process.parentPort` in a utility process, as far as `serveUtility()` uses it.
 * @see sluice/docs/electron.md#serveutility
 */
export interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown; ports: readonly unknown[] }) => void): unknown
  removeListener(event: 'message', listener: (event: { data: unknown; ports: readonly unknown[] }) => void): unknown
  postMessage(message: unknown): void
}

/**
 * Process: Worker (a worker_threads Worker that hosts an api).
 * `parentPort` of `node:worker_threads`, as far as `serveWorker()` uses it.
 * @see sluice/docs/electron.md#serveworker
 */
export interface WorkerParentPortLike {
  on(event: 'message', listener: (value: unknown) => void): unknown
  off(event: 'message', listener: (value: unknown) => void): unknown
  postMessage(message: unknown): void
}

/**
 * Process: Utility (an Electron utility process that hosts an api).
 * Options of `serveUtility()`: every `createHost` option, plus the parent port (default `process.parentPort`).
 * @see sluice/docs/electron.md#serveutility
 */
export interface ServeUtilityOptions extends HostOptions {
  parentPort?: ParentPortLike
}

/**
 * Process: Worker (a worker_threads Worker that hosts an api).
 * Options of `serveWorker()`: every `createHost` option, plus the parent port (default `worker_threads.parentPort`).
 * @see sluice/docs/electron.md#serveworker
 */
export interface ServeWorkerOptions extends HostOptions {
  parentPort?: WorkerParentPortLike
}

interface Lane {
  listen(onMessage: (data: unknown, ports: readonly unknown[]) => void): () => void
  post(message: unknown): void
}

function serveOverLane<Api extends object, Events extends EventMap>(api: Api, options: HostOptions, lane: Lane): Host<Api, Events> {
  const core = createHostCore(api, options)
  const conns = new Map<number, Connection>()
  let closed = false
  const post = (message: unknown) => {
    try {
      lane.post(message)
    } catch {
      // The parent is gone: this process is about to end, and nobody is left to tell.
    }
  }
  const stop = lane.listen((data, ports) => {
    const m = data as MainToHostMessage | null
    if (closed || typeof m !== 'object' || m === null || typeof m.sluice !== 'string') return // the app's own message
    switch (m.sluice) {
      case REMOTE_LANE.CONNECT_MAIN_TO_HOST: {
        // { sluice: 'sluice:connect', id, peer } + the port
        const port = (ports[0] ?? m.port) as PortLike | undefined
        if (!Number.isSafeInteger(m.id) || port === undefined) return
        conns.get(m.id)?.close('main reused its id')
        const conn = core.connect(port, typeof m.peer === 'object' && m.peer !== null ? m.peer : {})
        conns.set(m.id, conn)
        conn.onClose(() => {
          if (conns.get(m.id) === conn) conns.delete(m.id)
          post({ sluice: REMOTE_LANE.CLOSED_HOST_TO_MAIN, id: m.id })
        })
        return
      }
      case REMOTE_LANE.DISCONNECT_MAIN_TO_HOST: // { sluice: 'sluice:disconnect', id, reason }
        conns.get(m.id)?.close(typeof m.reason === 'string' ? m.reason : 'closed by the main process')
        return
      case REMOTE_LANE.STATS_MAIN_TO_HOST: // { sluice: 'sluice:stats-request', request }
        post({ sluice: REMOTE_LANE.STATS_HOST_TO_MAIN, request: m.request, stats: core.stats() })
        return
    }
  })
  post({ sluice: REMOTE_LANE.READY_HOST_TO_MAIN, version: REMOTE_LANE_VERSION })
  return {
    connect: core.connect,
    stats: core.stats,
    emit: (name, ...args) => core.broadcast(name, args),
    close() {
      if (!closed) {
        closed = true
        stop()
      }
      core.close()
    },
  }
}

/**
 * Process: Utility (an Electron utility process that hosts an api).
 * Serves `api` in an Electron utility process to every window that main routes here
 * (`serve(mainApi, { hosts: { files: utilityHost(child) } })` in main). Call it once, in the entry script
 * given to `utilityProcess.fork()`. `getContext().peer` says which window and frame is calling, as in main.
 * Returns the host: `stats()`, `emit()` (to the windows connected here), `close()`.
 * @see sluice/docs/electron.md#serveutility
 */
export function serveUtility<Api extends object, Events extends EventMap = EventMap>(api: Api, options: ServeUtilityOptions = {}): Host<Api, Events> {
  const { parentPort: given, ...hostOptions } = options
  const parentPort = given ?? (globalThis as { process?: { parentPort?: ParentPortLike } }).process?.parentPort
  if (parentPort === undefined) {
    throw new Error(
      'sluice: serveUtility() must run in an Electron utility process (there is no process.parentPort here): ' +
        "fork its script with utilityProcess.fork() in main; in a worker thread use serveWorker().",
    )
  }
  return serveOverLane<Api, Events>(api, hostOptions, {
    listen(onMessage) {
      const listener = (event: { data: unknown; ports: readonly unknown[] }) => onMessage(event?.data, event?.ports ?? [])
      parentPort.on('message', listener)
      return () => parentPort.removeListener('message', listener)
    },
    post: (message) => parentPort.postMessage(message),
  })
}

/**
 * Process: Worker (a worker_threads Worker that hosts an api).
 * Serves `api` in a `node:worker_threads` Worker to the ports main hands over through `workerHost(worker)`.
 * The same contract as `serveUtility()`. Call it once, in the worker's script.
 * @see sluice/docs/electron.md#serveworker
 */
export function serveWorker<Api extends object, Events extends EventMap = EventMap>(api: Api, options: ServeWorkerOptions = {}): Host<Api, Events> {
  const { parentPort: given, ...hostOptions } = options
  const parentPort = given ?? findWorkerParentPort()
  if (parentPort === undefined) {
    throw new Error(
      'sluice: serveWorker() must run in a worker_threads Worker (worker_threads.parentPort is null here), ' +
        'or be given options.parentPort; in an Electron utility process use serveUtility().',
    )
  }
  return serveOverLane<Api, Events>(api, hostOptions, {
    listen(onMessage) {
      const listener = (value: unknown) => onMessage(value, [])
      parentPort.on('message', listener)
      return () => parentPort.off('message', listener)
    },
    post: (message) => parentPort.postMessage(message),
  })
}

/** Found at run time, so that the module still loads where there is no worker_threads (a browser worker). */
function findWorkerParentPort(): WorkerParentPortLike | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  const mod = proc?.getBuiltinModule?.('node:worker_threads') as { parentPort?: WorkerParentPortLike | null } | undefined
  return mod?.parentPort ?? undefined
}
