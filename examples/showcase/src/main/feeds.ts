/**
 * What the backend pushes to windows without being asked: the live dashboard (a Broadcast) and the typed host
 * events (AppEvents). Kept out of api.ts on purpose, like runtime.ts: every function api.ts exports is callable
 * from the renderer, and these are not for the renderer to call. The host exists only where the app starts
 * (src/main/index.ts, scripts/web-server.ts), so that code hands it over with startFeeds(host).
 */
import { Broadcast, type Host } from 'sluice/main'
import type { AppEvents } from '../shared/events'

/** One sample of the host's numbers, sent to every dashboard subscriber. */
export interface DashboardStats {
  /** Open connections (windows, tabs) and their live streams and refs, everyone's. */
  connections: number
  streams: number
  refs: number
  /** Windows subscribed to this dashboard right now. */
  subscribers: number
  heapMB: number
  at: Date
}

/** The live dashboard: api.dashboard() subscribes a window; startFeeds() sends to all of them. */
export const dashboardFeed = new Broadcast<DashboardStats>()

type Emit = Host<unknown, AppEvents>['emit']
let emitter: Emit | undefined

/** Sends a typed event to every connected window (once startFeeds() has run; before that, to nobody). */
export function notify<K extends keyof AppEvents & string>(name: K, ...args: Parameters<AppEvents[K]>): void {
  emitter?.(name, ...args)
}

/**
 * Wires the feeds to the host: notify() goes to `host.emit`, and the dashboard gets the host's stats every
 * `everyMs` while anyone is subscribed. Returns a function that stops both and closes every subscription.
 */
export function startFeeds(host: Pick<Host<unknown, AppEvents>, 'emit' | 'stats'>, everyMs = 500): () => void {
  emitter = host.emit
  const timer = setInterval(() => {
    if (dashboardFeed.size === 0) return
    const s = host.stats()
    dashboardFeed.send({
      connections: s.connections,
      streams: s.streams,
      refs: s.refs,
      subscribers: dashboardFeed.size,
      heapMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
      at: new Date(),
    })
  }, everyMs)
  // The timer alone must not keep a process alive (Electron quits on its own terms; tests load this bundle).
  timer.unref()
  return () => {
    clearInterval(timer)
    emitter = undefined
    dashboardFeed.close()
  }
}
