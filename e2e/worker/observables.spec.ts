/**
 * Observables between a real page and a host in a real browser Web Worker, over a real DOM MessagePort: the
 * page subscribes to a host Observable and unsubscribes; the page passes an RxJS Observable as an argument.
 * The page and worker: harness.ts.
 */
import { expect, type Page, test } from '@playwright/test'
import { type PageGlobals, servePageAndWorker } from './harness'

const { open } = servePageAndWorker('sluice observables test')

const probe = (page: Page) => page.evaluate(() => (window as unknown as PageGlobals).api.probe())

test.describe('Observables between a page and a Web Worker host', () => {
  test('the page subscribes to a host Observable and unsubscribes: the source is torn down once, stats return to zero', async ({ page }) => {
    await open(page)
    const seen = await page.evaluate(async () => {
      const { api, rxjs } = window as unknown as PageGlobals
      const ticks = await api.observableTicks()
      const items: number[] = []
      const subscription = ticks.subscribe((x) => items.push(x))
      while (items.length < 5) await new Promise((r) => setTimeout(r, 5))
      subscription.unsubscribe()
      // rxjs.from() takes it too, and take() unsubscribes.
      const viaRx = await rxjs.firstValueFrom(rxjs.from(ticks).pipe(rxjs.take(3), rxjs.toArray()))
      ;(window as unknown as { ticks?: unknown }).ticks = ticks
      return { first: items.slice(0, 5), viaRx }
    })
    expect(seen).toEqual({ first: [0, 1, 2, 3, 4], viaRx: [0, 1, 2] })
    await expect.poll(() => page.evaluate(() => (window as unknown as PageGlobals).api.observableProbe())).toEqual({ subscribed: 2, teardowns: 2 })
    // Released, the host forgets the Observable and the call that returned it.
    await page.evaluate(() => {
      const w = window as unknown as PageGlobals & { ticks: unknown }
      w.release(w.ticks)
    })
    await expect.poll(async () => await page.evaluate(() => (window as unknown as PageGlobals).hostStats())).toMatchObject({ streams: 0, refs: 0, calls: 0 })
  })

  test('the page passes an RxJS Observable as an argument: the host reads it and unsubscribes it once', async ({ page }) => {
    await open(page)
    const result = await page.evaluate(async () => {
      const { api, rxjs } = window as unknown as PageGlobals
      let teardowns = 0
      const source = rxjs.interval(1).pipe(rxjs.finalize(() => teardowns++))
      const items = await api.takeFromPage(source, 4)
      await new Promise((r) => setTimeout(r, 50))
      return { items, teardowns }
    })
    expect(result).toEqual({ items: [0, 1, 2, 3], teardowns: 1 })
    await expect.poll(async () => (await page.evaluate(() => (window as unknown as PageGlobals).hostStats())).streams).toBe(0)
  })
})
