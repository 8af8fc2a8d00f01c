/**
 * The sluice client in a real page, against a host in a real browser Web Worker, over a real DOM MessagePort
 * (harness.ts): calls, streams, cancellation and clean-up.
 */
import { expect, type Page, test } from '@playwright/test'
import { type PageGlobals, servePageAndWorker } from './harness'

const { open } = servePageAndWorker('sluice worker test')

const probe = (page: Page) => page.evaluate(() => (window as unknown as PageGlobals).api.probe())

test.describe('a host in a Web Worker, a client in the page, a DOM MessagePort between', () => {
  test('calls reach the worker and come back', async ({ page }) => {
    await open(page)
    expect(await page.evaluate(() => (window as unknown as PageGlobals).api.add(20, 22))).toBe(42)
    expect(await page.evaluate(() => (window as unknown as PageGlobals).api.where())).toBe('web worker')
  })

  test('a stream delivers every yield in order, Dates intact, then its return value', async ({ page }) => {
    await open(page)
    const result = await page.evaluate(async () => {
      const s = (window as unknown as PageGlobals).api.count(5000)
      let inOrder = true
      let n = 0
      let dates = true
      for await (const x of s) {
        if (x.i !== n) inOrder = false
        if (!(x.at instanceof Date) || x.at.getTime() !== n) dates = false
        n++
      }
      return { n, inOrder, dates, value: await s }
    })
    expect(result).toEqual({ n: 5000, inOrder: true, dates: true, value: 'counted 5000' })
  })

  test("break cancels the worker's generator: its finally runs and its signal aborts", async ({ page }) => {
    await open(page)
    await page.evaluate(async () => {
      for await (const x of (window as unknown as PageGlobals).api.ticks()) if (x === 10) break
    })
    await expect.poll(() => probe(page)).toMatchObject({ finallies: 1, signalAborted: 1 })
    await expect.poll(async () => (await page.evaluate(() => (window as unknown as PageGlobals).hostStats())).streams).toBe(0)
  })

  test('cancel() settles at once on the page and ends the generator in the worker', async ({ page }) => {
    await open(page)
    const outcome = await page.evaluate(async () => {
      const s = (window as unknown as PageGlobals).api.ticks()
      const it = s[Symbol.asyncIterator]()
      await it.next()
      await s.cancel()
      const after = await it.next()
      const awaited = await s.then(
        () => 'resolved',
        (e: Error) => e.name,
      )
      return { done: after.done, awaited }
    })
    expect(outcome).toEqual({ done: true, awaited: 'AbortError' })
    await expect.poll(() => probe(page)).toMatchObject({ finallies: 1 })
  })

  test('credit: a producer that nobody reads stops at the credit window, and resumes as the page reads', async ({ page }) => {
    await open(page)
    await page.evaluate(() => {
      const w = window as unknown as PageGlobals & { it?: AsyncIterator<number> }
      w.it = w.api.produce()[Symbol.asyncIterator]()
      void w.it.next() // start it, read one
    })
    await page.waitForTimeout(300)
    const stalled = (await probe(page)).produced
    // The host starts each stream with 64 credits: the generator is parked at its 64th yield.
    expect(stalled).toBeGreaterThanOrEqual(32)
    expect(stalled).toBeLessThanOrEqual(65)
    await page.waitForTimeout(200)
    expect((await probe(page)).produced).toBe(stalled)

    const read = await page.evaluate(async () => {
      const w = window as unknown as { it: AsyncIterator<number> }
      let last = 0
      for (let i = 0; i < 1000; i++) last = (await w.it.next()).value as number
      return last
    })
    expect(read).toBe(1001)
    await page.waitForTimeout(200)
    const after = (await probe(page)).produced
    // It ran ahead of the reader, by at most one window: the window grows while the page keeps up, up to
    // flow.maxWindow (4096), and never further.
    expect(after).toBeGreaterThan(read)
    expect(after - read).toBeLessThanOrEqual(4096)
    await page.evaluate(() => (window as unknown as { it: AsyncIterator<number> }).it.return?.())
    await expect.poll(() => probe(page)).toMatchObject({ finallies: 1 })
  })
})
