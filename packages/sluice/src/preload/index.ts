/**
 * `sluice/preload`: runs in the preload script. Process: Preload.
 *
 * Must be bundled into the preload (a sandboxed preload can only `require` electron, events, timers and url):
 * with electron-vite, `preload: { build: { externalizeDeps: { exclude: ['sluice', 'superjson'] } } }`.
 */
import type { ClientOptions } from '../renderer/client.js'
import { exposeBridgeImpl } from './bridge.js'
import { exposeApiImpl } from './expose-api.js'

export type { ClientOptions } from '../renderer/client.js'

/**
 * Process: Preload.
 * Relays the port that main's `serve()` gives this frame to the page, where `connect()` from `sluice/renderer`
 * picks it up. Call it once, at the top of the preload; calling it again does nothing. Also defines
 * `window.sluiceBridge` (a frozen `{ version: 1 }`), so the page can tell that it runs under Electron.
 * Works in a sandboxed, context-isolated preload; the port travels by `window.postMessage`, since a
 * MessagePort cannot cross `contextBridge`.
 * @see sluice/docs/electron.md#exposebridge
 */
export function exposeBridge(): void {
  exposeBridgeImpl()
}

/**
 * Process: Preload.
 * The contextBridge mode: defines `window[key]`, a client for main's api that the page uses with no
 * `sluice/renderer` import. Calls return handles that are awaitable, async-iterable and cancellable. What
 * crosses the bridge is copied by Electron: errors keep only `name` and `message`, class instances arrive as
 * plain objects, and ReadableStreams and channels do not cross. For full fidelity use `exposeBridge()` with
 * `connect()`. Needs Electron 35 or later (`contextBridge.executeInMainWorld`).
 * Type it in the page with `declare global { interface Window { api: Client<typeof import('../main/api')> } }`.
 * @see sluice/docs/electron.md#exposeapi
 */
export function exposeApi(key = 'api', options?: ClientOptions): void {
  exposeApiImpl(key, options)
}
