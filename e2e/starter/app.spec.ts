/**
 * The starter's page in a real browser against its real backend (web mode: the same renderer and api.ts as
 * under Electron, over a WebSocket instead of a MessagePort): the plain call, and the generator's progress,
 * return value and cancellation, each checked on the host side too.
 */
import { expect, test } from '../support/web'

test.describe('the starter', () => {
  test('a plain call: Greet shows the answer from the backend', async ({ page }) => {
    await page.goto('/')
    await page.getByLabel('Name').fill('Ada')
    await page.getByRole('button', { name: 'Greet' }).click()
    await expect(page.locator('#greeting')).toHaveText(`Hello, Ada, from Node ${process.versions.node}`)
  })

  test('a generator: progress arrives step by step, then the return value', async ({ page, host }) => {
    await page.goto('/')
    const progress = page.locator('#progress')
    await page.getByRole('button', { name: 'Count to 40' }).click()
    await expect(page.locator('#status')).toHaveText('Counting…')
    await expect.poll(async () => Number(await progress.getAttribute('value'))).toBeGreaterThan(0)
    expect(Number(await progress.getAttribute('value'))).toBeLessThan(40)
    await expect(page.locator('#status')).toHaveText(/^Done: 40 steps in \d+ ms$/)
    await expect(progress).toHaveAttribute('value', '40')
    expect(host.stats().streams).toBe(0)
  })

  test('Cancel stops the generator in main at once, and no progress follows', async ({ page, host }) => {
    await page.goto('/')
    const progress = page.locator('#progress')
    await page.getByRole('button', { name: 'Count to 40' }).click()
    await expect.poll(async () => Number(await progress.getAttribute('value'))).toBeGreaterThan(2)
    expect(host.stats().streams).toBe(1)
    await page.getByRole('button', { name: 'Cancel' }).click()
    await expect(page.locator('#status')).toHaveText('Cancelled')
    await expect.poll(() => host.stats().streams).toBe(0)
    const stopped = Number(await progress.getAttribute('value'))
    expect(stopped).toBeLessThan(40)
    await page.waitForTimeout(300)
    expect(Number(await progress.getAttribute('value'))).toBe(stopped)
    await expect(page.getByRole('button', { name: 'Count to 40' })).toBeEnabled()
    await expect(page.getByRole('button', { name: 'Cancel' })).toBeDisabled()
  })

  test('the page runs under its strict CSP, with no inline script or style allowed', async ({ page }) => {
    const violations: string[] = []
    page.on('console', (m) => m.type() === 'error' && violations.push(m.text()))
    await page.goto('/')
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("style-src 'self'")
    expect(csp).toContain("default-src 'self'")
    // An inline script is refused: it never runs.
    const ran = await page.evaluate(() => {
      const s = document.createElement('script')
      s.textContent = 'window.inlineRan = true'
      document.body.append(s)
      return (window as unknown as { inlineRan?: boolean }).inlineRan === true
    })
    expect(ran).toBe(false)
    await page.getByRole('button', { name: 'Greet' }).click()
    await expect(page.locator('#greeting')).not.toBeEmpty()
    expect(violations.filter((v) => !/Content Security Policy/.test(v))).toEqual([])
  })
})
