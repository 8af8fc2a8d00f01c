/**
 * Where the backend finds things, set by whoever runs it: the Electron entry (src/main/index.ts) or the web
 * mode server (scripts/web-server.ts). Kept out of api.ts on purpose: every function api.ts exports is
 * callable from the renderer, and these setters must not be.
 */
import { resolve } from 'node:path'
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
