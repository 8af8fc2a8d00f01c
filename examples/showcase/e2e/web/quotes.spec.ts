/**
 * The "Keyed broadcast" card (src/renderer/src/views/quotes.ts, src/main/quotes.ts), in a real browser against
 * the real backend (web mode): prices arrive with their seqs per symbol; a paused symbol falls behind on the
 * host and shows a gap marker on Resume while the others keep going; a late subscriber starts at the last price;
 * and the host's broadcast drops every subscriber that unsubscribes or goes away.
 */
import type { Page } from '@playwright/test'
import { expect, test } from '../fixtures/web'

const seqOf = async (page: Page, symbol: string) => Number(((await page.getByTestId(`quotes-${symbol}-seq`).textContent()) ?? '').replace(/[^\d]/g, '') || 0)

async function open(page: Page): Promise<void> {
  await page.goto('/#beyond')
  await expect(page.getByTestId('host-stats')).toContainText('connection')
  await expect(page.getByTestId('quotes-card')).toBeVisible()
}

test.describe('web mode: keyed broadcast', () => {
  test('prices arrive numbered per symbol; a paused symbol gets a gap marker on Resume, and the others never stop', async ({ page, probe }) => {
    await open(page)
    await page.getByTestId('quotes-subscribe').click()
    await expect(page.getByTestId('quotes-status')).toContainText('Subscribed')
    await expect.poll(() => probe.stats().beyond.quotes.subscribers).toBe(3)
    for (const symbol of ['ACME', 'GLOBEX', 'INITECH']) await expect.poll(() => seqOf(page, symbol)).toBeGreaterThan(0)
    const start = await seqOf(page, 'ACME')
    await expect.poll(() => seqOf(page, 'ACME')).toBeGreaterThan(start + 5)

    await page.getByTestId('quotes-ACME-pause').click()
    await expect(page.getByTestId('quotes-ACME-note')).toHaveText('paused')
    // The page reads no more ACME: its credit fills, then the 8 quotes the host holds, and then it is behind.
    await expect.poll(() => probe.stats().beyond.quotes.behind, { timeout: 30_000 }).toBe(1)
    expect(probe.stats().beyond.quotes.queued).toBeLessThanOrEqual(8)
    // Keys are independent: GLOBEX keeps coming while ACME is held.
    const globex = await seqOf(page, 'GLOBEX')
    await expect.poll(() => seqOf(page, 'GLOBEX')).toBeGreaterThan(globex + 5)

    await page.getByTestId('quotes-ACME-pause').click()
    await expect(page.getByTestId('quotes-ACME-note')).toHaveText(/^missed #[\d,]+–#[\d,]+$/)
    expect(probe.stats().beyond.quotes.behind).toBe(0)
    // After the gap the latest price came, and it carries on from there.
    const [, to] = (await page.getByTestId('quotes-ACME-note').textContent())!.match(/–#([\d,]+)/)!
    await expect.poll(() => seqOf(page, 'ACME')).toBeGreaterThan(Number(to!.replace(/,/g, '')))

    await page.getByTestId('quotes-unsubscribe').click()
    await expect.poll(() => probe.stats().beyond.quotes).toMatchObject({ subscribers: 0, queued: 0, behind: 0 })
  })

  test('a late subscriber starts at the last price, with its seq; closing the page drops it from the broadcast', async ({ context, probe }) => {
    const page = await context.newPage()
    await open(page)
    await page.getByTestId('quotes-subscribe').click()
    await expect.poll(() => seqOf(page, 'INITECH')).toBeGreaterThan(3)
    await page.getByTestId('quotes-unsubscribe').click()
    await expect.poll(() => probe.stats().beyond.quotes.subscribers).toBe(0)
    // Nobody subscribed: the host stops publishing, and keeps each symbol's last price.
    await page.waitForTimeout(200)
    const last = probe.stats().beyond.quotes.last
    await page.waitForTimeout(200)
    expect(probe.stats().beyond.quotes.last).toEqual(last)

    await page.getByTestId('quotes-subscribe').click()
    for (const symbol of ['ACME', 'GLOBEX', 'INITECH']) {
      await expect(page.getByTestId(`quotes-${symbol}-note`)).toHaveText(`joined at #${last[symbol]!.toLocaleString('en-US')}`)
    }
    await expect.poll(() => seqOf(page, 'ACME')).toBeGreaterThan(last.ACME!)
    await expect.poll(() => probe.stats().beyond.quotes.subscribers).toBe(3)
    await page.close()
    await expect.poll(() => probe.stats().beyond.quotes).toMatchObject({ subscribers: 0, queued: 0, behind: 0 })
  })
})
