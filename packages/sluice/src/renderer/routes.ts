/**
 * Namespaces served by another process. With `serve(api, { hosts: { files: utilityHost(child) } })` in main,
 * `api.files.*` runs in a utility process (or a worker), and the page talks to it over a port of its own that
 * main brokers straight to that process: its items never pass through main. The page learns which namespaces
 * are routed from main's first reply (`routes`), so a call made before that reply waits (a DeferredLink),
 * then goes to the right connection, in order.
 */
import { DisconnectedError } from '../shared/errors.js'
import type { ClientConnection } from './client.js'
import type { ProxyTarget } from './proxy.js'
import { DeferredLink, type RemoteCall } from './stream-call.js'

export class Router implements ProxyTarget {
  /** Unknown until main's first reply: then the routed namespaces (often none). */
  private routes: ReadonlySet<string> | undefined
  private readonly routed = new Map<string, ClientConnection>()
  private waiting: (() => void)[] = []
  private closedWith: Error | undefined

  constructor(
    readonly main: ClientConnection,
    /** Opens a connection for namespace `route`: asks the preload for a routed port. */
    private readonly open: (route: string) => ClientConnection,
  ) {}

  /** Main's first reply came: calls waiting for it go out now, in the order they were made. */
  setRoutes(routes: readonly string[]): void {
    if (this.routes !== undefined) return
    this.routes = new Set(routes)
    const waiting = this.waiting
    this.waiting = []
    for (const send of waiting) send()
  }

  call(path: string[], args: unknown[]): RemoteCall {
    if (this.routes !== undefined) return this.send(path, args)
    const deferred = new DeferredLink(path.join('.'), this.main.flowOptions)
    this.waiting.push(() => {
      if (!deferred.cancelled) this.send(path, args, deferred)
    })
    return deferred.call
  }

  on(name: string, fn: (payload: unknown) => void): () => void {
    return this.main.on(name, fn)
  }

  stats(): { calls: number; refs: number; posts: number } {
    return this.main.stats()
  }

  /** Closes main's connection and every routed one. */
  close(error: Error = new DisconnectedError('sluice: the client was closed')): void {
    if (this.closedWith !== undefined) return
    this.closedWith = error
    this.main.close(error)
    for (const conn of this.routed.values()) conn.close(error)
    this.routed.clear()
    // Calls still waiting for main's reply go to main, which is closed: they fail with the error.
    this.setRoutes([])
  }

  private send(path: string[], args: unknown[], deferred?: DeferredLink): RemoteCall {
    const route = path[0]!
    if (this.closedWith !== undefined || !this.routes!.has(route) || path.length < 2) return this.main.call(path, args, deferred)
    return this.connection(route).call(path.slice(1), args, deferred ?? new DeferredLink(path.join('.'), this.main.flowOptions))
  }

  /** The namespace's connection; a new one once the last has closed (its process exited and was restarted). */
  private connection(route: string): ClientConnection {
    let conn = this.routed.get(route)
    if (conn === undefined || conn.closed) {
      conn = this.open(route)
      this.routed.set(route, conn)
    }
    return conn
  }
}
