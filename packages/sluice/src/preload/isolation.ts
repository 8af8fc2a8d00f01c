/**
 * Whether this preload's world is isolated from the page's, read the one way that works in every preload.
 *
 * A sandboxed preload has no global `process`: Electron compiles it as a function whose parameters are
 * `require, process, exports, module, …` and passes its own process object (lib/sandboxed_renderer/preload.ts,
 * `runPreloadScript`), while the page's global has none (spec/chromium-spec.ts "disables node integration by
 * default": `typeof window.process === 'undefined'`). So `globalThis.process` is undefined there, and only the
 * bare identifier `process` reaches the parameter. Electron sets `contextIsolated` on every renderer's process
 * object, sandboxed or not (shell/renderer/renderer_client_base.cc, `BindProcess`).
 */

/** The bare `process` identifier: Node's global in an unsandboxed preload, the wrapper's parameter in a sandboxed one. */
declare const process: { contextIsolated?: unknown } | undefined

/**
 * True when the worlds are isolated (contextBridge is needed, and works), false when the preload shares the
 * page's world (contextBridge throws there: lib/renderer/api/context-bridge.ts `checkContextIsolationEnabled`).
 */
export function contextIsolated(): boolean {
  const proc = typeof process === 'undefined' ? undefined : process
  // Outside Electron nothing says; isolation has been Electron's default since 12, so assume it.
  return proc?.contextIsolated !== false
}
