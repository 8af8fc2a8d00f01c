/**
 * The built template in real Electron: the real handshake (preload hello, MessageChannelMain, port relay),
 * the same UI scenarios as web mode, and the ways a renderer goes away: window closed, reloaded, crashed.
 * Host-side facts (connections, live streams) come from the footer of a window that stays alive, which shows
 * the host's numbers; a stream that ends in main drops out of them.
 */
import { contentsIdOf, expect, hostCounts, test } from './fixtures'

test.describe('the template in Electron', () => {
  test('connects over the MessagePort that exposeBridge() relays, and the page has no Node', async ({ main }) => {
    await expect(main.getByTestId('transport')).toHaveText('Electron · MessagePort')
    expect(await main.evaluate(() => window.sluiceTransport)).toBe('electron')
    // No require, no process: nodeIntegration is off and the preload's world is isolated. Only the bridge's
    // frozen marker crossed (through contextBridge).
    const facts = await main.evaluate(() => {
      const w = window as unknown as { require?: unknown; process?: unknown; sluiceBridge?: object }
      return { require: typeof w.require, process: typeof w.process, marker: w.sluiceBridge, frozen: Object.isFrozen(w.sluiceBridge) }
    })
    expect(facts).toEqual({ require: 'undefined', process: 'undefined', marker: { version: 1 }, frozen: true })
    await expect.poll(() => hostCounts(main)).toEqual({ connections: 1, streams: 0 })
    // The peer as the host sees it (getContext().peer, through the app's whoAmI()).
    expect(await main.evaluate(() => window.api.whoAmI())).toMatchObject({ mainFrame: true, origin: expect.any(String), url: expect.stringContaining('renderer/index.html') })
  })

  test('processes the sample files: progress reaches 100% and the summary appears', async ({ main }) => {
    await main.getByTestId('process-start').click()
    await expect(main.getByTestId('process-progress')).toHaveAttribute('value', '100')
    await expect(main.getByTestId('process-ok')).toHaveText('10 ok')
    await expect(main.getByTestId('process-failed')).toHaveText('1 failed')
  })

  test("Cancel mid-stream finalises the host's generator", async ({ main }) => {
    await main.getByTestId('process-start').click()
    await expect.poll(async () => Number(await main.getByTestId('process-progress').getAttribute('value'))).toBeGreaterThan(0)
    await main.getByTestId('process-cancel').click()
    await expect(main.getByTestId('process-status')).toHaveText('Cancelled')
    await expect.poll(async () => (await hostCounts(main)).streams).toBe(0)
  })

  test('search streams matches from the app folder and stops at 500', async ({ main }) => {
    await main.getByTestId('search-query').fill('index')
    await main.getByTestId('search-start').click()
    await expect(main.getByTestId('search-status')).toContainText('Stopped at the limit')
    await expect(main.getByTestId('search-results').locator('li')).toHaveCount(500)
  })

  test('shows the error thrown after two yields', async ({ main }) => {
    await main.getByTestId('error-start').click()
    await expect(main.getByTestId('error-message')).toContainText('The third chunk is corrupt (a simulated failure after two yields)')
    await expect(main.getByTestId('error-steps').locator('li')).toHaveCount(2)
  })

  test("closing the About window mid-stream ends its stream in main, and the main window's stream keeps going", async ({ app, main }) => {
    await main.getByTestId('tokens-size').selectOption('1000000')
    await main.getByTestId('tokens-start').click()
    const [about] = await Promise.all([app.waitForEvent('window'), main.getByTestId('open-about').click()])
    await expect(about.getByTestId('about-pulse')).toContainText('Backend time')
    await expect(about.getByTestId('about-facts')).toContainText('Electron app')
    await expect.poll(() => hostCounts(main)).toEqual({ connections: 2, streams: 2 })

    await about.close()
    // Its clock() ended in main; the tokens stream of the main window did not.
    await expect.poll(() => hostCounts(main)).toEqual({ connections: 1, streams: 1 })
    const count = async () => Number((await main.getByTestId('tokens-count').textContent())!.replace(/,/g, ''))
    const n = await count()
    await expect.poll(count).toBeGreaterThan(n + 1000)
    await main.getByTestId('tokens-cancel').click()
  })

  test('a reloaded window gets a fresh port and works again; its old streams end in main', async ({ main }) => {
    await main.getByTestId('tokens-size').selectOption('1000000')
    await main.getByTestId('tokens-start').click()
    await expect.poll(async () => (await hostCounts(main)).streams).toBe(1)
    await main.reload()
    await expect(main.getByTestId('host-stats')).toContainText('connection')
    await expect.poll(() => hostCounts(main)).toEqual({ connections: 1, streams: 0 })
    await main.getByTestId('process-start').click()
    await expect(main.getByTestId('process-ok')).toHaveText('10 ok')
  })

  test("a crashed renderer's streams end in main; reloaded, it connects again", async ({ app, main }) => {
    const [about] = await Promise.all([app.waitForEvent('window'), main.getByTestId('open-about').click()])
    await expect(about.getByTestId('about-pulse')).toContainText('Backend time')
    await expect.poll(() => hostCounts(main)).toEqual({ connections: 2, streams: 1 })
    const id = await contentsIdOf(app, 'view=about')

    await app.evaluate(({ webContents }, contentsId) => webContents.fromId(contentsId)?.forcefullyCrashRenderer(), id)
    await expect.poll(() => hostCounts(main)).toEqual({ connections: 1, streams: 0 })

    await app.evaluate(({ webContents }, contentsId) => webContents.fromId(contentsId)?.reload(), id)
    await expect(about.getByTestId('about-pulse')).toContainText('Backend time')
    await expect.poll(() => hostCounts(main)).toEqual({ connections: 2, streams: 1 })
  })

  test('saves a screenshot of the main window', async ({ main }, testInfo) => {
    await main.getByTestId('process-start').click()
    await main.getByTestId('search-start').click()
    await main.getByTestId('error-start').click()
    await expect(main.getByTestId('process-summary')).not.toBeEmpty()
    await testInfo.attach('electron-main-window', { body: await main.screenshot(), contentType: 'image/png' })
  })
})
