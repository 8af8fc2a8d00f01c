/**
 * The control lane between main and an off-main host (a utilityProcess or a worker_threads Worker). Types and
 * constants only.
 *
 * The lane carries no calls and no items: those flow over the port each connection gets, straight between the
 * renderer and the host process. The lane carries what the host process cannot learn from that port:
 * - which peer a new port serves (main read it off the hello's `senderFrame`; the host process has no frames);
 * - that a peer is gone. A window's close, reload, navigation or crash is seen by main (webContents events);
 *   the host process would only see its port close, and whether a `MessagePortMain` there ever emits 'close'
 *   when a renderer dies is not asserted by any Electron spec (spec/api-utility-process-spec.ts tests message
 *   passing only). So main says it, once per connection.
 *
 * Every message is an object tagged `sluice` with an owner-prefixed, direction-named literal, so it never
 * collides with the app's own messages on the same `parentPort`: both sides ignore anything else.
 *
 * Main to host:
 * - `{ sluice: 'sluice:connect', id, peer }`, with the connection's port: in `event.ports[0]` on a utility
 *   process (a port must be in the transfer list, never in the data: shell/browser/api/
 *   electron_api_utility_process.cc `PostMessage`); in `port` in the data for a worker (Node transfers ports
 *   that sit in the message body and are listed in the transfer list).
 * - `{ sluice: 'sluice:disconnect', id, reason }`: end that peer now (its streams' `finally` and `onClose` run).
 * - `{ sluice: 'sluice:stats-request', request }`: answer with the host's `stats()`.
 * Host to main:
 * - `{ sluice: 'sluice:ready', version }`: the host process is serving.
 * - `{ sluice: 'sluice:closed', id }`: connection `id` ended in the host process (its port closed, or it was
 *   told to), so main forgets it.
 * - `{ sluice: 'sluice:stats', request, stats }`.
 */
import type { HostStats } from './host.js'

export const REMOTE_LANE = {
  CONNECT_MAIN_TO_HOST: 'sluice:connect',
  DISCONNECT_MAIN_TO_HOST: 'sluice:disconnect',
  STATS_MAIN_TO_HOST: 'sluice:stats-request',
  READY_HOST_TO_MAIN: 'sluice:ready',
  CLOSED_HOST_TO_MAIN: 'sluice:closed',
  STATS_HOST_TO_MAIN: 'sluice:stats',
} as const

/** Bumped when a message's shape changes: main and the host process may come from different bundles. */
export const REMOTE_LANE_VERSION = 1

export interface ConnectMessage {
  sluice: typeof REMOTE_LANE.CONNECT_MAIN_TO_HOST
  id: number
  /** What `getContext().peer` shows in the host process, less `id` (the host process numbers its own). */
  peer: Record<string, unknown>
  /** Worker lane only: the port, in the body. */
  port?: unknown
}

export interface DisconnectMessage {
  sluice: typeof REMOTE_LANE.DISCONNECT_MAIN_TO_HOST
  id: number
  reason: string
}

export interface StatsRequestMessage {
  sluice: typeof REMOTE_LANE.STATS_MAIN_TO_HOST
  request: number
}

export type MainToHostMessage = ConnectMessage | DisconnectMessage | StatsRequestMessage

export interface ReadyMessage {
  sluice: typeof REMOTE_LANE.READY_HOST_TO_MAIN
  version: number
}

export interface ClosedMessage {
  sluice: typeof REMOTE_LANE.CLOSED_HOST_TO_MAIN
  id: number
}

export interface StatsReplyMessage {
  sluice: typeof REMOTE_LANE.STATS_HOST_TO_MAIN
  request: number
  stats: HostStats
}

export type HostToMainMessage = ReadyMessage | ClosedMessage | StatsReplyMessage
