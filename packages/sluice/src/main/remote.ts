/**
 * Main's handle on an off-main host: `utilityHost(child)` for an Electron utilityProcess, `workerHost(worker)`
 * for a `node:worker_threads` Worker. The api module runs over there (`serveUtility(api)` / `serveWorker(api)`,
 * host-process.ts); main only hands each peer's port across and says when a peer is gone. See remote-protocol.ts
 * for the control lane.
 *
 * ============================================================================================================
 * Where the port goes
 * ============================================================================================================
 * - utilityProcess: the `MessagePortMain` is transferred (`child.postMessage(msg, [port])`), so the renderer
 *   and the utility process talk over one mojo pipe and main's event loop never sees an item
 *   (spec/api-utility-process-spec.ts "can establish communication channel with sandboxed renderer").
 * - worker, given a Node or DOM MessagePort: transferred in the message body, the same way.
 * - worker, given a `MessagePortMain` (what serve() has): relayed. Node's `worker.postMessage` transfers only
 *   Node's own transferables, and a MessagePortMain is an Electron object (lib/browser/message-port-main.ts
 *   wraps a native port that only Electron's serializer knows), so main pipes each envelope between the
 *   MessagePortMain and a Node MessageChannel whose other end goes to the worker. Envelopes are relayed as they
 *   are, never decoded: the handlers' CPU work is off main, but each batch is cloned in main twice. That is the
 *   reason docs/electron.md steers high-volume streams to a utilityProcess.
 *
 * ============================================================================================================
 * Lifecycle
 * ============================================================================================================
 * A connection ends (and its `onClose` hooks run) on the first of: main's `close()` (which tells the host
 * process), the host process reporting it closed, the process exiting, or `attach()` handing over to a new
 * process. The renderer learns that its host died from its own port: the pipe dies with the process, and a
 * renderer MessagePort emits 'close' then (Electron ≥ 30, shell/renderer/renderer_client_base.cc enables
 * MessagePortCloseEvent), which the client turns into a DisconnectedError on every live call.
 */
import { type PortLike, type MessagePortMainLike } from '../shared/port.js'
import type { Connection, HostStats } from './host.js'
import type { Peer } from './context.js'
import { type ConnectMessage, type HostToMainMessage, REMOTE_LANE, type MainToHostMessage } from './remote-protocol.js'

// ---------------------------------------------------------------------------------------------------------------
// The process surfaces used, typed from electron.d.ts (`UtilityProcess`) and @types/node (`Worker`), narrowed to
// what is read. test/utility-types.test-d.ts proves the real classes fit.
// ---------------------------------------------------------------------------------------------------------------

/**
 * Process: Main. An Electron `UtilityProcess` (from `utilityProcess.fork()`), as far as `utilityHost()` uses it.
 * @see sluice/docs/electron.md#utilityhost
 */
export interface UtilityProcessLike {
  postMessage(message: unknown, transfer?: MessagePortMainLike[]): void
  on(event: 'exit', listener: (code: number) => void): unknown
  on(event: 'message', listener: (message: unknown) => void): unknown
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any listener: only ever one we added
  removeListener(event: 'exit' | 'message', listener: (...args: any[]) => void): unknown
}

/**
 * Process: Main. A `node:worker_threads` `Worker`, as far as `workerHost()` uses it.
 * @see sluice/docs/electron.md#workerhost
 */
export interface WorkerLike {
  postMessage(message: unknown, transfer?: readonly unknown[]): void
  on(event: 'exit', listener: (code: number) => void): unknown
  on(event: 'message', listener: (message: unknown) => void): unknown
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any listener: only ever one we added
  off(event: 'exit' | 'message', listener: (...args: any[]) => void): unknown
}

/**
 * Process: Main.
 * An api served in another process or thread. Pass it to `serve(api, { hosts: { name: remote } })` to route
 * the `name` namespace there, or serve single ports with `connect()`. `Api` is the module the host process
 * serves; it only documents the type.
 * @see sluice/docs/electron.md#off-main-hosts
 */
export interface RemoteHost<P = unknown, Api = unknown> {
  /**
   * Serves one peer over `port` in the host process. `peer` is what `getContext().peer` shows there. The
   * returned connection ends when `close()` is called, when the host process reports it closed, or when the
   * process exits.
   */
  connect(port: PortLike, peer?: Record<string, unknown>): Connection
  /** The host process's `stats()`, asked over the control lane. Rejects when the process is not running. */
  stats(): Promise<HostStats>
  /** From `utilityHost()`/`attach()` until the process exits. While false, `serve()` refuses this host's ports. */
  readonly running: boolean
  /** The process serving now. */
  readonly process: P
  /**
   * Hands over to a new process (a restart after a crash, or an update): every connection of the previous one
   * ends, and new ones go to `next`. Pages reconnect by asking for a port again.
   */
  attach(next: P): void
  /** Ends every connection (telling the host process) and stops listening to the process. It does not kill it. */
  close(): void
  /** @internal keeps `Api` in the type. */
  readonly __api?: Api
}

/** How one kind of process is talked to: the only difference between a utility process and a worker. */
interface Lane<P> {
  send(proc: P, message: MainToHostMessage, port?: PortLike): (() => void) | void
  on(proc: P, event: 'exit' | 'message', listener: (arg: unknown) => void): void
  off(proc: P, event: 'exit' | 'message', listener: (arg: unknown) => void): void
  what: string
}

const utilityLane: Lane<UtilityProcessLike> = {
  what: 'utilityHost()',
  send(child, message, port) {
    if (port === undefined) return child.postMessage(message)
    if (!isMessagePortMain(port)) {
      throw new TypeError('sluice: utilityHost().connect(): the port must be a MessagePortMain (from new MessageChannelMain()): a utility process can receive no other kind')
    }
    child.postMessage(message, [port])
  },
  on: (child, event, listener) => void child.on(event as 'exit', listener as (code: number) => void),
  off: (child, event, listener) => void child.removeListener(event, listener),
}

const workerLane: Lane<WorkerLike> = {
  what: 'workerHost()',
  send(worker, message, port) {
    if (port === undefined) return worker.postMessage(message)
    if (isTransferable(port)) {
      worker.postMessage({ ...message, port }, [port])
      return
    }
    if (!isMessagePortMain(port)) throw new TypeError('sluice: workerHost().connect(): the port must be a MessagePort or a MessagePortMain')
    // A MessagePortMain cannot enter a worker thread: relay it through a Node channel (see the file comment).
    const Channel = (globalThis as { MessageChannel?: new () => { port1: NodePortLike; port2: NodePortLike } }).MessageChannel
    if (Channel === undefined) throw new Error('sluice: workerHost(): this runtime has no MessageChannel to relay a MessagePortMain through')
    const { port1, port2 } = new Channel()
    worker.postMessage({ ...message, port: port2 }, [port2])
    return relay(port, port1)
  },
  on: (worker, event, listener) => void worker.on(event as 'exit', listener as (code: number) => void),
  off: (worker, event, listener) => void worker.off(event, listener),
}

/** A Node `worker_threads` MessagePort: an EventTarget that also has `on`. */
interface NodePortLike {
  postMessage(message: unknown): void
  addEventListener(type: string, listener: (event: { data: unknown }) => void): void
  start?(): void
  close(): void
}

function isMessagePortMain(port: PortLike): port is MessagePortMainLike {
  const p = port as Partial<MessagePortMainLike> & { addEventListener?: unknown }
  return typeof p.on === 'function' && typeof p.start === 'function' && typeof p.postMessage === 'function' && typeof p.addEventListener !== 'function'
}

/** DOM and Node MessagePorts (EventTargets with postMessage): what a worker's postMessage can transfer. */
function isTransferable(port: PortLike): boolean {
  const p = port as { addEventListener?: unknown; postMessage?: unknown }
  return typeof p.addEventListener === 'function' && typeof p.postMessage === 'function'
}

/** Pipes envelopes both ways, untouched; either side closing closes the other. Returns the teardown. */
function relay(outer: MessagePortMainLike, inner: NodePortLike): () => void {
  let done = false
  const end = () => {
    if (done) return
    done = true
    outer.off('message', fromOuter)
    outer.off('close', end)
    try {
      outer.close()
    } catch {
      // already closed
    }
    inner.close()
  }
  const fromOuter = (event: { data: unknown }) => inner.postMessage(event.data)
  outer.on('message', fromOuter)
  outer.on('close', end)
  inner.addEventListener('message', (event) => {
    if (!done) outer.postMessage(event.data)
  })
  inner.addEventListener('close', end)
  outer.start()
  inner.start?.()
  return end
}

class RemoteConnection implements Connection {
  readonly peer: Peer
  closed = false
  private readonly closers: (() => void)[] = []

  constructor(
    readonly id: number,
    peer: Record<string, unknown>,
    private readonly tell: (reason: string) => void,
  ) {
    this.peer = Object.freeze({ ...peer, id })
  }

  close(reason = 'closed by the main process'): void {
    this.end(() => this.tell(reason))
  }

  /** Ends it without telling the host process (it told us, or it is gone). */
  end(before?: () => void): void {
    if (this.closed) return
    this.closed = true
    try {
      before?.()
    } catch {
      // A process that died between the check and the post: it has nothing left to tell.
    }
    for (const fn of this.closers.splice(0)) {
      try {
        fn()
      } catch {
        // One hook's failure must not keep the others from running.
      }
    }
  }

  onClose(fn: () => void): void {
    if (this.closed) fn()
    else this.closers.push(fn)
  }
}

function createRemoteHost<P, Api>(lane: Lane<P>, first: P, name: string): RemoteHost<P, Api> {
  let proc = first
  let running = true
  let exitReason = ''
  let nextId = 1
  let nextRequest = 1
  const conns = new Map<number, RemoteConnection>()
  const pending = new Map<number, { resolve(stats: HostStats): void; reject(e: Error): void }>()

  const onMessage = (raw: unknown) => {
    const m = raw as HostToMainMessage | null
    if (typeof m !== 'object' || m === null || typeof m.sluice !== 'string') return // the app's own message
    switch (m.sluice) {
      case REMOTE_LANE.CLOSED_HOST_TO_MAIN: // { sluice: 'sluice:closed', id }
        conns.get(m.id)?.end()
        return
      case REMOTE_LANE.STATS_HOST_TO_MAIN: {
        // { sluice: 'sluice:stats', request, stats }
        const p = pending.get(m.request)
        pending.delete(m.request)
        p?.resolve(m.stats)
        return
      }
    }
  }
  /**
   * One exit listener per process, that acts only while its process is the current one: the app may attach()
   * a new process from inside the old one's 'exit' event, and an emitter still calls every listener it had when
   * the event began, so a shared listener would then mark the new process as stopped.
   */
  const exitListeners = new Map<P, (code: unknown) => void>()
  const onExitOf = (p: P) => (code: unknown) => {
    if (proc !== p) return
    running = false
    exitReason = `the ${name} process exited (code ${String(code)})`
    endAll(exitReason)
  }

  function endAll(reason: string): void {
    for (const c of [...conns.values()]) c.end()
    conns.clear()
    for (const p of pending.values()) p.reject(new Error(`sluice: ${name}.stats(): ${reason}`))
    pending.clear()
  }

  function listen(p: P): void {
    const onExit = onExitOf(p)
    exitListeners.set(p, onExit)
    lane.on(p, 'message', onMessage)
    lane.on(p, 'exit', onExit)
  }
  function unlisten(p: P): void {
    lane.off(p, 'message', onMessage)
    const onExit = exitListeners.get(p)
    exitListeners.delete(p)
    if (onExit !== undefined) lane.off(p, 'exit', onExit)
  }
  listen(proc)

  return {
    get running() {
      return running
    },
    get process() {
      return proc
    },
    connect(port, peer = {}) {
      const id = nextId++
      const target = proc
      const conn = new RemoteConnection(id, peer, (reason) => {
        conns.delete(id)
        if (running && proc === target) lane.send(target, { sluice: REMOTE_LANE.DISCONNECT_MAIN_TO_HOST, id, reason })
      })
      if (!running) {
        closeQuietly(port)
        conn.end()
        return conn
      }
      conns.set(id, conn)
      conn.onClose(() => conns.delete(id))
      const message: ConnectMessage = { sluice: REMOTE_LANE.CONNECT_MAIN_TO_HOST, id, peer: { ...peer } }
      let teardown: (() => void) | void
      try {
        teardown = lane.send(target, message, port)
      } catch (e) {
        conn.end()
        closeQuietly(port)
        throw e
      }
      if (teardown !== undefined) conn.onClose(teardown)
      return conn
    },
    stats() {
      if (!running) return Promise.reject(new Error(`sluice: ${lane.what}.stats(): ${exitReason || 'the host process is not running'}`))
      const request = nextRequest++
      return new Promise<HostStats>((resolve, reject) => {
        pending.set(request, { resolve, reject })
        lane.send(proc, { sluice: REMOTE_LANE.STATS_MAIN_TO_HOST, request })
      })
    },
    attach(next) {
      if (next === proc && running) return
      unlisten(proc)
      if (running) for (const c of [...conns.values()]) c.close(`the ${name} host was replaced by a new process`)
      endAll(`the ${name} host was replaced by a new process`)
      proc = next
      running = true
      exitReason = ''
      listen(proc)
    },
    close() {
      for (const c of [...conns.values()]) c.close(`the ${name} host was closed by the main process`)
      endAll(`the ${name} host was closed by the main process`)
      unlisten(proc)
      running = false
      exitReason = 'the host was closed by the main process'
    },
  }
}

function closeQuietly(port: PortLike): void {
  try {
    ;(port as { close?: () => void }).close?.()
  } catch {
    // already closed
  }
}

/**
 * Process: Main.
 * Main's handle on an api served in an Electron utility process, whose entry calls `serveUtility(api)`:
 * `serve(mainApi, { hosts: { files: utilityHost(utilityProcess.fork(path)) } })`. Each window's port for that
 * namespace is transferred to the child, so items flow between the renderer and the child and never through
 * main. When the child exits, pages see a DisconnectedError on its live calls; fork a new one and
 * `attach()` it.
 * @see sluice/docs/electron.md#utilityhost
 */
export function utilityHost<Api = unknown>(child: UtilityProcessLike): RemoteHost<UtilityProcessLike, Api> {
  return createRemoteHost<UtilityProcessLike, Api>(utilityLane, child, 'utility host')
}

/**
 * Process: Main.
 * Main's handle on an api served in a `node:worker_threads` Worker, whose script calls `serveWorker(api)`.
 * The same interface as `utilityHost()`. Node and DOM MessagePorts are transferred to the worker; an Electron
 * `MessagePortMain` cannot be, so in Electron main relays each batch (the work is off main, the copying is not).
 * @see sluice/docs/electron.md#workerhost
 */
export function workerHost<Api = unknown>(worker: WorkerLike): RemoteHost<WorkerLike, Api> {
  return createRemoteHost<WorkerLike, Api>(workerLane, worker, 'worker host')
}
