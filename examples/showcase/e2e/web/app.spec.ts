/**
 * The template's real UI, in a real browser, against the template's real backend (src/main/api.ts in Node)
 * over the WebSocket port: web mode, as `npm run start:web` serves it. Host-side facts (which generators ran
 * their finally, how many streams are live) are read through the test fixture's probe (e2e/fixtures/instrument.ts), not through the app.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { expect, test } from '../fixtures/web'


async function open(page: Page, path = '/'): Promise<void> {
  await page.goto(path)
  await expect(page.getByTestId('host-stats')).toContainText('connection')
}

test.describe('web mode: the template UI against its real backend', () => {
  test('reaches the backend over a WebSocket, and says so', async ({ page }) => {
    await open(page)
    await expect(page.getByTestId('transport')).toHaveText('Browser · WebSocket')
    expect(await page.evaluate(() => window.sluiceTransport)).toBe('websocket')
  })

  test('processes the sample files: progress reaches 100% and the { ok, failed } summary appears', async ({ page, probe }) => {
    await open(page)
    await page.getByTestId('process-start').click()
    await expect(page.getByTestId('process-progress')).toHaveAttribute('value', '100')
    await expect(page.getByTestId('process-percent')).toHaveText('100%')
    await expect(page.getByTestId('process-ok')).toHaveText('10 ok')
    await expect(page.getByTestId('process-failed')).toHaveText('1 failed')
    await expect(page.getByTestId('process-log').locator('li')).toHaveCount(11)
    await expect(page.getByTestId('process-log')).toContainText('sensor-dump.json')
    const s = probe.stats()
    expect(s.finallies.processFiles).toBe(s.started.processFiles)
  })

  test("Cancel mid-stream stops the page at once and finalises the host's generator", async ({ page, probe }) => {
    await open(page)
    const before = probe.stats()
    await page.getByTestId('process-start').click()
    // Mid-stream: some progress, not all of it.
    await expect.poll(async () => Number(await page.getByTestId('process-progress').getAttribute('value'))).toBeGreaterThan(0)
    await page.getByTestId('process-cancel').click()
    await expect(page.getByTestId('process-status')).toHaveText('Cancelled')
    const progress = Number(await page.getByTestId('process-progress').getAttribute('value'))
    expect(progress).toBeLessThan(100)
    await expect.poll(async () => probe.stats().finallies.processFiles).toBe(before.finallies.processFiles + 1)
    await expect.poll(async () => probe.stats().host?.streams).toBe(0)
    // And it stays stopped: no more progress arrives.
    await page.waitForTimeout(400)
    expect(Number(await page.getByTestId('process-progress').getAttribute('value'))).toBe(progress)
    await expect(page.getByTestId('process-summary')).toBeEmpty()
  })

  test("closing a page mid-stream ends its streams on the host, and another page's stream keeps going", async ({ context, probe }) => {
    const a = await context.newPage()
    const b = await context.newPage()
    await open(a)
    await open(b)
    await a.getByTestId('tokens-size').selectOption('1000000')
    await b.getByTestId('tokens-size').selectOption('1000000')
    await a.getByTestId('tokens-start').click()
    await b.getByTestId('tokens-start').click()
    await expect.poll(async () => probe.stats().host?.streams).toBe(2)
    const before = probe.stats()

    await b.close()
    await expect.poll(async () => probe.stats().finallies.tokens).toBe(before.finallies.tokens + 1)
    await expect.poll(async () => probe.stats().host?.connections).toBe(1)
    expect(probe.stats().host?.streams).toBe(1)

    const count = async () => Number((await a.getByTestId('tokens-count').textContent())!.replace(/,/g, ''))
    const n = await count()
    await expect.poll(count).toBeGreaterThan(n + 1000)
    await expect(a.getByTestId('tokens-status')).toHaveText('Streaming…')
    await a.getByTestId('tokens-cancel').click()
    await expect.poll(async () => probe.stats().host?.streams).toBe(0)
  })

  test('shows the error thrown after two yields: both steps, then name, message and code', async ({ page, probe }) => {
    await open(page)
    await page.getByTestId('error-start').click()
    await expect(page.getByTestId('error-message')).toBeVisible()
    await expect(page.getByTestId('error-message')).toContainText('Error: The third chunk is corrupt (a simulated failure after two yields)')
    await expect(page.getByTestId('error-message')).toContainText('E_CHUNK')
    await expect(page.getByTestId('error-steps').locator('li')).toHaveText(['✓Fetched the index', '✓Parsed 2 of 3 chunks'])
    await expect.poll(async () => probe.stats().finallies.flaky).toBeGreaterThan(0)
  })

  test('search streams matches and stops at 500', async ({ page }) => {
    await open(page)
    await page.getByTestId('search-query').fill('index')
    await page.getByTestId('search-start').click()
    await expect(page.getByTestId('search-status')).toContainText('Stopped at the limit')
    await expect(page.getByTestId('search-count')).toHaveText('500')
    await expect(page.getByTestId('search-results').locator('li')).toHaveCount(500)
  })

  test('search can be cancelled, and its walk ends on the host', async ({ page, probe }) => {
    await open(page)
    const before = probe.stats()
    // A rare name: the walk scans the whole tree, so there is time to cancel it.
    await page.getByTestId('search-query').fill('zz-no-such-file-zz')
    await page.getByTestId('search-start').click()
    await page.getByTestId('search-cancel').click()
    await expect(page.getByTestId('search-status')).toHaveText('Cancelled')
    await expect.poll(async () => probe.stats().finallies.search).toBe(before.finallies.search + 1)
  })

  test('renders the token stream live at more than 10 000 tokens a second, once per frame, not per token', async ({ page }) => {
    await open(page)
    await page.getByTestId('tokens-size').selectOption('200000')
    await page.getByTestId('tokens-start').click()
    await page.waitForTimeout(3000)
    const num = async (id: string) => Number((await page.getByTestId(id).textContent())!.replace(/,/g, ''))
    const [tokens, rate, frames] = [await num('tokens-count'), await num('tokens-rate'), await num('tokens-frames')]
    test.info().annotations.push({ type: 'tokens', description: `${tokens} tokens, ${rate}/s, ${frames} frames in ~3 s` })
    expect(rate).toBeGreaterThan(10_000)
    expect(frames).toBeLessThan(tokens / 20)
    expect(frames).toBeGreaterThan(30)
    await expect(page.getByTestId('tokens-output')).not.toBeEmpty()
    await page.getByTestId('tokens-cancel').click()
    await expect(page.getByTestId('tokens-status')).toHaveText('Cancelled')
  })

  test("the About window's live stream ends on the host when the window closes", async ({ page, probe }) => {
    await open(page)
    const before = probe.stats()
    const [about] = await Promise.all([page.waitForEvent('popup'), page.getByTestId('open-about').click()])
    await expect(about.getByTestId('about-view')).toBeVisible()
    await expect(about.getByTestId('about-pulse')).toContainText('Backend time')
    await expect(about.getByTestId('about-facts')).toContainText('web mode')
    await expect.poll(async () => probe.stats().started.clock).toBe(before.started.clock + 1)
    await about.close()
    await expect.poll(async () => probe.stats().finallies.clock).toBe(before.finallies.clock + 1)
    await expect.poll(async () => probe.stats().host?.connections).toBe(1)
  })

  test('takes a screenshot of the main window mid-run', async ({ page }, testInfo) => {
    await open(page)
    await page.getByTestId('process-start').click()
    await page.getByTestId('search-start').click()
    await page.getByTestId('error-start').click()
    await expect(page.getByTestId('process-summary')).not.toBeEmpty()
    await page.getByTestId('tokens-start').click()
    await expect(page.getByTestId('error-message')).toBeVisible()
    await expect(page.getByTestId('search-status')).toContainText('Stopped at the limit')
    await page.waitForTimeout(1500)
    const png = await page.screenshot({ fullPage: true })
    await testInfo.attach('main-window', { body: png, contentType: 'image/png' })
    writeFileSync(testInfo.outputPath('main-window.png'), png)
    // The README's picture: refreshed on request, so ordinary runs leave the working tree alone.
    if (process.env.SLUICE_UPDATE_SCREENSHOT) writeFileSync(join(__dirname, '../../docs/screenshot.png'), png)
    await page.getByTestId('tokens-cancel').click()
  })
})
