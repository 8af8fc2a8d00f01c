/**
 * The "Observables" card, in a real browser against the real backend (web mode): the page's keystrokes are an
 * RxJS Observable passed to liveSearch(), the answers an Observable the page subscribes to. The host's side is
 * read through its stats (probe.stats().host).
 */
import type { Page } from '@playwright/test'
import { expect, test } from '../fixtures/web'

async function open(page: Page): Promise<void> {
  await page.goto('/#beyond')
  await expect(page.getByTestId('host-stats')).toContainText('connection')
  await expect(page.getByTestId('live-card')).toBeVisible()
}

const hits = (page: Page) => page.getByTestId('live-hit').locator('.file').allTextContents()

test.describe('web mode: Observables both ways', () => {
  test('keystrokes go to the host as an Observable and the answers come back as one, for the latest query', async ({ page, probe }) => {
    await open(page)
    const before = probe.stats().host!
    await page.getByTestId('live-start').click()
    await expect(page.getByTestId('live-status')).toHaveText('Subscribed: type')
    // Subscribed: the host's pipeline holds a subscription of the page's keystrokes, and the page one of its answers.
    await expect.poll(() => probe.stats().host!.refs).toBeGreaterThan(before.refs)

    await page.getByTestId('live-input').pressSequentially('lock', { delay: 10 })
    await expect(page.getByTestId('live-status')).toHaveAttribute('data-query', 'lock')
    const words = await hits(page)
    expect(words.length).toBeGreaterThan(0)
    for (const w of words) expect(w.startsWith('lock')).toBe(true)

    // Fast typing: debounce and switchMap; whatever happened in between, the answer shown is for the last query.
    await page.getByTestId('live-input').fill('')
    await page.getByTestId('live-input').pressSequentially('weir', { delay: 0 })
    await expect(page.getByTestId('live-status')).toHaveAttribute('data-query', 'weir')
    for (const w of await hits(page)) expect(w.startsWith('weir')).toBe(true)
    await page.getByTestId('live-input').fill('zzzz')
    await expect(page.getByTestId('live-none')).toHaveText('No word starts with “zzzz”')
    const answered = Number(await page.getByTestId('live-answered').textContent())
    expect(answered).toBeGreaterThanOrEqual(3)

    await page.getByTestId('live-stop').click()
    await expect(page.getByTestId('live-status')).toContainText('Unsubscribed after')
    await expect(page.getByTestId('live-input')).toBeDisabled()
    // Both subscriptions ended and the page released the answers: the call is over, and its onClose released
    // the host's proxy of the keystrokes Observable, so nothing of this search is left on either side.
    await expect.poll(() => probe.stats().host!.calls).toBe(before.calls)
    await expect.poll(() => probe.stats().host!.refs).toBe(before.refs)
    // And nothing more arrives: typing now reaches no one.
    await page.waitForTimeout(300)
    expect(Number(await page.getByTestId('live-answered').textContent())).toBe(answered)

    // A second run starts from scratch: a fresh subscription on both sides.
    await page.getByTestId('live-start').click()
    await page.getByTestId('live-input').fill('heron')
    await expect(page.getByTestId('live-status')).toHaveAttribute('data-query', 'heron')
    // Counted afresh: the new pipeline's own answers ('zzzz' still in the box, unless debounced into 'heron').
    await expect(page.getByTestId('live-answered')).toHaveText(/^[12]$/)
    await page.getByTestId('live-stop').click()
  })

  test('when the page goes away mid-subscription, the host tears its pipeline down and holds nothing for it', async ({ context, probe }) => {
    const watcher = await context.newPage()
    await open(watcher)
    const before = probe.stats().host!
    const page = await context.newPage()
    await open(page)
    await page.getByTestId('live-start').click()
    await page.getByTestId('live-input').fill('lock')
    await expect(page.getByTestId('live-status')).toHaveAttribute('data-query', 'lock')
    await page.close()
    await expect.poll(() => probe.stats().host!.connections).toBe(before.connections)
    await expect.poll(() => probe.stats().host!.refs).toBe(before.refs)
    expect(probe.stats().host!.calls).toBe(before.calls)
  })
})
