/**
 * The built starter in real Electron: the real handshake (preload hello, MessageChannelMain, port relay), the
 * security defaults as the page sees them, the plain call, and the generator's progress, return and cancel.
 * Skips, with the reason, where there is no Electron binary.
 */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { _electron, type ElectronApplication, expect, type Page, test as base } from '@playwright/test'
import { findElectron } from '../../scripts/electron-binary'

const electronBinary = findElectron()
// Playwright adds its loader only when it resolves Electron from the npm package (which would try to download).
const loader = join(dirname(require.resolve('playwright-core/package.json')), 'lib/server/electron/loader.js')

const test = base.extend<{ app: ElectronApplication; page: Page }>({
  app: async ({}, use, testInfo) => {
    if (electronBinary.path === undefined) {
      testInfo.skip(true, electronBinary.reason)
      return
    }
    // ELECTRON_RUN_AS_NODE (exported by VS Code terminals) would make Electron a plain Node; drop it.
    const env: Record<string, string> = { ELECTRON_DISABLE_SECURITY_WARNINGS: 'true' }
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'ELECTRON_RUN_AS_NODE' && k !== 'ELECTRON_RENDERER_URL') env[k] = v
    const args = [...(existsSync(loader) ? ['-r', loader] : []), join(__dirname, '../..')]
    const app = await _electron.launch({ executablePath: electronBinary.path, args, env, timeout: 60_000 })
    await use(app)
    await app.close()
  },
  page: async ({ app }, use) => use(await app.firstWindow({ timeout: 60_000 })),
})

test('the window is sandboxed and isolated: the page has no Node, only the bridge marker', async ({ page }) => {
  const facts = await page.evaluate(() => {
    const w = window as unknown as { require?: unknown; process?: unknown; sluiceBridge?: object }
    return { require: typeof w.require, process: typeof w.process, marker: w.sluiceBridge }
  })
  expect(facts).toEqual({ require: 'undefined', process: 'undefined', marker: { version: 1 } })
})

test('a plain call answers from main', async ({ page }) => {
  await page.getByRole('button', { name: 'Greet' }).click()
  await expect(page.locator('#greeting')).toHaveText(/^Hello, world, from Electron \d+\./)
})

test('the generator shows progress and its return value; Cancel stops it', async ({ page }) => {
  await page.getByRole('button', { name: 'Count to 40' }).click()
  await expect(page.locator('#status')).toHaveText(/^Done: 40 steps in \d+ ms$/)
  await page.getByRole('button', { name: 'Count to 40' }).click()
  await expect.poll(async () => Number(await page.locator('#progress').getAttribute('value'))).toBeGreaterThan(0)
  await page.getByRole('button', { name: 'Cancel' }).click()
  await expect(page.locator('#status')).toHaveText('Cancelled')
  expect(Number(await page.locator('#progress').getAttribute('value'))).toBeLessThan(40)
})
