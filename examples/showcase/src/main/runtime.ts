/**
 * Where the backend finds things, set by whoever runs it: the Electron entry (src/main/index.ts) or the web
 * mode server (scripts/web-server.ts). Kept out of api.ts on purpose: every function api.ts exports is
 * callable from the renderer, and these setters must not be.
 */
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type { HostStats } from 'sluice/main'

export const runtime = {
  /** The folder processFiles() works on. */
  sampleDir: resolve('resources/sample'),
  /** The larger tree search() can walk ("the app folder"). */
  appDir: process.cwd(),
  /** How the app is running, for the About window. */
  mode: 'web' as 'electron' | 'web',
  /** The host's live stats, once the host exists. */
  stats: (): HostStats | undefined => undefined,
}

export function configure(values: Partial<typeof runtime>): void {
  Object.assign(runtime, values)
}

/**
 * The project folder search() walks as "the app folder": the nearest folder at or above `appPath` with a
 * package-lock.json, so inside this repository (an npm workspace) the whole repository with its installed
 * packages, a tree big enough to show a search stopping at its limit. A packaged app has none: `appPath`.
 */
export function projectDir(appPath: string): string {
  for (let dir = resolve(appPath); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package-lock.json'))) return dir
    if (dirname(dir) === dir) return appPath
  }
}
