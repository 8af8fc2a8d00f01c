/**
 * Telling the developer why a window never connects. A sandboxed preload can `require()` only `electron` (and
 * a few Node built-ins), so a preload bundled the way electron-vite does by default, with `sluice/preload`
 * left as an external `require`, throws before it says hello, and nothing in the build or in main reports it:
 * the page's calls just wait. serve() watches every webContents the app makes and logs one line saying what
 * to do when its preload throws, or when its page finished loading and no hello came.
 */
/**
 * Process: Main. The webContents events and methods serve()'s preload watch reads (all in Electron's WebContents).
 * @see sluice/docs/electron.md#serve
 */
export interface WatchedContents {
  readonly id: number
  isDestroyed(): boolean
  on(event: 'preload-error', listener: (event: unknown, preloadPath: string, error: Error) => void): unknown
  on(event: 'did-finish-load' | 'destroyed', listener: () => void): unknown
  /** Electron ≥ 21. Absent: the watch cannot tell a window with a preload from one without, and stays quiet. */
  getLastWebPreferences?(): { preload?: string; sandbox?: boolean } | null
  getURL(): string
}

const BUNDLE_IT =
  "A sandboxed preload can require only 'electron': bundle sluice into it (electron-vite: preload: { build: { externalizeDeps: false } }; " +
  'see sluice/docs/electron.md#bundling).'

/** Starts watching `wc`. `helloed(id)` says whether that webContents has said hello; `log` reports. */
export function watchPreload(wc: WatchedContents, helloed: (id: number) => boolean, log: (message: string) => void, afterMs: number): void {
  wc.on('preload-error', (_event, preloadPath, error) => {
    const message = error instanceof Error ? error.message : String(error)
    const required = /Cannot find module|module not found|require\(\) of|is not defined/i.test(message)
    log(`sluice: serve(): the preload ${preloadPath} of the page at ${safeUrl(wc)} threw before it could connect: ${message}${required ? `. ${BUNDLE_IT}` : ''}`)
  })
  if (afterMs <= 0) return
  wc.on('did-finish-load', () => {
    const preferences = wc.getLastWebPreferences?.()
    if (!preferences?.preload) return
    const timer = setTimeout(() => {
      if (wc.isDestroyed() || helloed(wc.id)) return
      log(
        `sluice: serve(): the page at ${safeUrl(wc)} loaded ${afterMs} ms ago and its preload has not said hello. ` +
          `If that preload calls exposeBridge() or exposeApi(), it did not run: ${BUNDLE_IT} ` +
          'If this window does not use sluice, pass serve(api, { helloWarningMs: 0 }).',
      )
    }, afterMs)
    // A warning timer must never keep a quitting app alive.
    ;(timer as { unref?: () => void }).unref?.()
  })
}

function safeUrl(wc: WatchedContents): string {
  try {
    return wc.getURL()
  } catch {
    return '(unknown)'
  }
}
