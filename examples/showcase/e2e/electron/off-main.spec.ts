/**
 * The "Off-main host" card in real Electron: `api.hashing.*` runs in the utility process that main forks
 * (src/main/index.ts), reached over a port main brokered once. The same checks as e2e/web/off-main.spec.ts,
 * against that process: the digest against the test's own SHA-256, the page's frame rate while it hashes,
 * Cancel ending the generator there (its finally, counted by the instrumented host of
 * ./instrumented-hashing.ts), and a killed host restarted by main with the page carrying on, no reload.
 * Skips, printing why, where there is no Electron binary.
 */
import type { ElectronApplication, Page } from '@playwright/test'
import { electronBinary, expect, test as base } from './fixtures'
import { expectedDigest, measureFps } from '../support/off-main'
import { type HashingProbe, instrumentedShowcase } from './instrumented-hashing'

const test = base.extend<{ appDir: string }>({
  // Built only where the app will launch: without a binary the app fixture skips, and out/ may not exist.
  appDir: async ({}, use) => use(electronBinary.path === undefined ? '' : await instrumentedShowcase()),
})

/** The instrumented host's counts, asked over the page's own hashing port (a call the app's api lacks). */
const probe = (page: Page) => page.evaluate(() => (window.api.hashing as unknown as { probe(): Promise<HashingProbe> }).probe())
const progressOf = async (page: Page) => Number(await page.getByTestId('hashing-progress').getAttribute('value'))
const mainPid = (app: ElectronApplication) => app.evaluate(() => process.pid)

test.describe('Electron: the Off-main host card runs hashing.hashFile in a utility process', () => {
  test("the hash runs in the utility process and its digest is the test's own SHA-256", async ({ app, main }) => {
    await main.getByTestId('hashing-size').selectOption('64')
    await main.getByTestId('hashing-start').click()
    await expect(main.getByTestId('hashing-status')).toHaveText(/^Done · 64\.0 MB in /)
    await expect(main.getByTestId('hashing-progress')).toHaveAttribute('value', '100')
    await expect(main.getByTestId('hashing-digest')).toHaveText(expectedDigest(64))

    // Another process than main, and a utility process by Electron's own account.
    const where = await main.evaluate(() => window.api.hashing.where())
    expect(where.runsIn).toBe('utility process')
    expect(where.pid).not.toBe(await mainPid(app))
    await expect(main.getByTestId('hashing-where')).toHaveText(`Runs in: a utility process, pid ${where.pid}`)
    const metrics = await app.evaluate(({ app }) => app.getAppMetrics().map((m) => ({ pid: m.pid, type: m.type, name: m.serviceName })))
    expect(metrics).toContainEqual({ pid: where.pid, type: 'Utility', name: 'sluice hashing' })
    expect(await probe(main)).toMatchObject({ started: 1, finallies: 1, pid: where.pid })
  })

  test('the page keeps ≥ 50 fps while a 4 GiB hash runs there, and Cancel ends it there at once (its finally runs)', async ({ main }) => {
    await main.getByTestId('hashing-size').selectOption('4096')
    await main.getByTestId('hashing-start').click()
    await expect.poll(() => progressOf(main)).toBeGreaterThan(0)
    const measured = await measureFps(main, 1500)
    expect(await progressOf(main)).toBeLessThan(100)
    await expect(main.getByTestId('hashing-status')).toHaveText('Hashing…')
    const rate = await main.getByTestId('hashing-rate').textContent()
    test.info().annotations.push({
      type: 'fps',
      description: `${measured.fps.toFixed(1)} fps over 1.5 s (longest gap ${measured.worstGapMs.toFixed(0)} ms); ${rate} MB/s`,
    })
    expect(measured.fps).toBeGreaterThanOrEqual(50)
    expect(await probe(main)).toMatchObject({ started: 1, finallies: 0 })

    const clicked = Date.now()
    await main.getByTestId('hashing-cancel').click()
    await expect(main.getByTestId('hashing-status')).toHaveText('Cancelled')
    await expect.poll(async () => (await probe(main)).finallies).toBe(1)
    expect(Date.now() - clicked).toBeLessThan(1000)
    const stopped = await progressOf(main)
    await main.waitForTimeout(400)
    expect(await progressOf(main)).toBe(stopped)
  })

  test('main restarts a killed hashing host, and the page hashes again without reloading', async ({ app, main }) => {
    const before = await main.evaluate(() => window.api.hashing.where())
    await main.getByTestId('hashing-size').selectOption('4096')
    await main.getByTestId('hashing-start').click()
    await expect.poll(() => progressOf(main)).toBeGreaterThan(0)
    // Killed from main, as an OOM killer would: the live run fails in the page with a DisconnectedError.
    await app.evaluate((_electron, pid) => process.kill(pid, 'SIGKILL'), before.pid)
    await expect(main.getByTestId('hashing-status')).not.toHaveText('Hashing…')
    await expect(main.getByTestId('hashing-start')).toBeEnabled()

    // Main forks a new one; the page's next call gets a port to it.
    await expect.poll(async () => (await main.evaluate(() => window.api.hashing.where().then((w) => w.pid, () => 0))), { timeout: 20_000 }).not.toBe(0)
    const after = await main.evaluate(() => window.api.hashing.where())
    expect(after.pid).not.toBe(before.pid)
    await main.getByTestId('hashing-size').selectOption('64')
    await main.getByTestId('hashing-start').click()
    await expect(main.getByTestId('hashing-digest')).toHaveText(expectedDigest(64))
  })
})
