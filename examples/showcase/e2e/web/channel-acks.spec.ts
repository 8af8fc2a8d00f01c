/**
 * The "Channel acks" card, in a real browser against the real backend (web mode): each message shows the host's
 * ack (what its listener returned), the host aborts with a value on "/abort", and the page's Abort button ends
 * the channel with a value of its own. Host stats return to no live refs.
 */
import { expect, test } from '../fixtures/web'

test.describe('web mode: channel acks', () => {
  test('each send shows the host ack; /abort and the Abort button end the channel with a value', async ({ page, probe }) => {
    await page.goto('/#beyond')
    await expect(page.getByTestId('host-stats')).toContainText('connection')
    await expect(page.getByTestId('acks-card')).toBeVisible()
    const before = probe.host!.stats().refs

    await page.getByTestId('acks-open').click()
    await expect(page.getByTestId('acks-status')).toHaveText('Open (onOpen ran)')
    await page.getByTestId('acks-input').fill('hello sluice gate')
    await page.getByTestId('acks-send').click()
    await page.getByTestId('acks-input').fill('again')
    await page.getByTestId('acks-input').press('Enter')
    const acks = page.getByTestId('acks-ack')
    await expect(acks.nth(0)).toContainText('✓ ack #1 · 3 words')
    await expect(acks.nth(1)).toContainText('✓ ack #2 · 1 word ')
    await expect(page.getByTestId('acks-log').locator('li.host')).toHaveText([/stored #1/, /stored #2/])

    // The host aborts: the page's onClose gets an AbortError carrying the host's value.
    await page.getByTestId('acks-input').fill('/abort')
    await page.getByTestId('acks-send').click()
    await expect(page.getByTestId('acks-status')).toHaveText('Aborted: {"reason":"the host was asked to abort","after":2}')
    await expect(page.getByTestId('acks-input')).toBeDisabled()

    // The page aborts with its own value.
    await page.getByTestId('acks-open').click()
    await expect(page.getByTestId('acks-status')).toHaveText('Open (onOpen ran)')
    await page.getByTestId('acks-abort').click()
    await expect(page.getByTestId('acks-status')).toContainText('Aborted: {"by":"the page"')
    await expect(page.getByTestId('acks-open')).toBeEnabled()
    await expect.poll(() => probe.host!.stats().refs, { timeout: 5000 }).toBe(before)
  })
})
