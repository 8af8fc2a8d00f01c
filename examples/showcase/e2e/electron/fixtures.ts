/**
 * A fixture that launches the built showcase (out/main/index.js, via package.json "main") in Electron and
 * closes it afterwards. Skips, with the reason, when no Electron binary is available.
 */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { _electron, type ElectronApplication, expect, type Page, test as base } from '@playwright/test'
import { findElectron } from '../../../../scripts/electron-binary'

export const electronBinary = findElectron()

/**
 * Playwright adds this loader itself only when it resolves Electron from the npm package. It holds back the
 * app's 'ready' until Playwright is attached, and drops Playwright's switches from process.argv; we pass an
 * executablePath (never `require('electron')`, which would try to download), so we add it ourselves.
 */
const loader = join(dirname(require.resolve('playwright-core/package.json')), 'lib/server/electron/loader.js')

export const test = base.extend<{ appDir: string; app: ElectronApplication; main: Page }>({
  /** The app folder to launch: the built showcase, or a spec's copy of it (see ./instrumented-hashing.ts). */
  appDir: join(__dirname, '../..'),
  app: async ({ appDir }, use, testInfo) => {
    if (electronBinary.path === undefined) {
      testInfo.skip(true, electronBinary.reason)
      return
    }
    // ELECTRON_RUN_AS_NODE (exported by VS Code terminals) would make Electron a plain Node; drop it.
    const env: Record<string, string> = { ELECTRON_DISABLE_SECURITY_WARNINGS: 'true' }
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'ELECTRON_RUN_AS_NODE' && k !== 'ELECTRON_RENDERER_URL') env[k] = v
    const args = [...(existsSync(loader) ? ['-r', loader] : []), appDir]
    const app = await _electron.launch({ executablePath: electronBinary.path, args, env, timeout: 60_000 })
    await use(app)
    await app.close()
  },
  main: async ({ app }, use) => {
    const page = await app.firstWindow({ timeout: 60_000 })
    await expect(page.getByTestId('host-stats')).toContainText('connection')
    await use(page)
  },
})

export { expect }

/**
 * The host's open connections and live streams, as a window's footer shows them (the dashboard() broadcast,
 * twice a second): what the specs check in main, read through the app's own UI rather than a test hook.
 */
export async function hostCounts(page: Page): Promise<{ connections: number; streams: number }> {
  const m = /host: (\d+) connections? · (\d+) live streams?/.exec((await page.getByTestId('host-stats').textContent()) ?? '')
  return m ? { connections: Number(m[1]), streams: Number(m[2]) } : { connections: -1, streams: -1 }
}

/** The webContents id of the window showing `page`'s URL fragment, read in the main process. */
export async function contentsIdOf(app: ElectronApplication, urlPart: string): Promise<number> {
  const all = await app.evaluate(({ webContents }) => webContents.getAllWebContents().map((w) => ({ id: w.id, url: w.getURL() })))
  const found = all.find((w) => w.url.includes(urlPart))
  if (!found) throw new Error(`no webContents with ${urlPart} in its URL: ${JSON.stringify(all)}`)
  return found.id
}
