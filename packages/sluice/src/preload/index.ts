/**
 * `sluice/preload`: runs in the preload script. Process: Preload.
 *
 * Must be bundled into the preload (a sandboxed preload can only `require` electron, events, timers and url):
 * with electron-vite, `preload: { build: { externalizeDeps: { exclude: ['sluice', 'superjson'] } } }`.
 */
import { exposeBridgeImpl } from './bridge.js'
import { type ExposeApiOptions, exposeApiImpl } from './expose-api.js'

export type { ClientOptions } from '../renderer/client.js'
export type { ExposeApiOptions } from './expose-api.js'

/**
 * Process: Preload.
 * Relays the port that main's `serve()` gives this frame to the page, where `connect()` from `sluice/renderer`
 * picks it up. Call it once, at the top of the preload; calling it again does nothing. Also defines
 * `window.sluiceBridge` (a frozen `{ version: 1 }`), so the page can tell that it runs under Electron.
 * Works in a sandboxed preload, with context isolation on (the default) or off; the port travels by
 * `window.postMessage`, since a MessagePort cannot cross `contextBridge`.
 * @see sluice/docs/electron.md#exposebridge
 */
export function exposeBridge(): void {
  exposeBridgeImpl()
}

/**
 * Process: Preload.
 * The contextBridge mode: defines `window[key]`, a client for main's api that the page uses with no
 * `sluice/renderer` import. Calls return handles that are awaitable, async-iterable and cancellable. What
 * crosses the bridge is copied by Electron: errors keep only `name` and `message` (only `message` before
 * Electron 35), class instances arrive as plain objects, and ReadableStreams, channels and AbortSignals do not
 * cross. For full fidelity use `exposeBridge()` with `connect()`. On Electron 35 and later any method name
 * works; before 35 (no `contextBridge.executeInMainWorld`) pass `options.methods`, or it throws, before any
 * hello. Type it in the page with `declare global { interface Window { api: Client<typeof import('../main/api')> } }`.
 * @see sluice/docs/electron.md#exposeapi
 */
export function exposeApi(key = 'api', options?: ExposeApiOptions): void {
  exposeApiImpl(key, options)
}
