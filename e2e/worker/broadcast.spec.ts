/**
 * Keyed broadcasts in a real page, against a host in a real browser Web Worker, over a real DOM MessagePort:
 * a page subscribes to a key and sees its seqs; a page that stalls sees a gap marker when it reads again.
 * The page and worker: harness.ts.
 */
import { expect, type Page, test } from '@playwright/test'
import { type PageGlobals, servePageAndWorker } from './harness'
import type { BroadcastMessage } from 'sluice/main'

const { open } = servePageAndWorker('sluice broadcast test')

const probe = (page: Page, symbol: string) => page.evaluate((s) => (window as unknown as PageGlobals).api.tickers.probe(s), symbol)
const hostStats = (page: Page) => page.evaluate(() => (window as unknown as PageGlobals).hostStats())

test.describe('keyed Broadcast: a host in a Web Worker, pages subscribed by key', () => {
  test('a late subscriber gets the last value first, then every seq of its key in order', async ({ page }) => {
    await open(page)
    const got = await page.evaluate(async () => {
      const { api } = window as unknown as PageGlobals
      await api.tickers.publish('ACME', 100, 101, 102)
      await api.tickers.publish('OTHER', 1)
      const seen: BroadcastMessage<number>[] = []
      const call = api.tickers.subscribe('ACME', { last: true })
      for await (const m of call) {
        seen.push(m)
        if (seen.length === 1) {
          await api.tickers.publish('OTHER', 2)
          await api.tickers.publish('ACME', 103, 104)
        }
        if (m.kind === 'value' && m.seq === 5) break
      }
      return seen
    })
    expect(got).toEqual([100 + 2, 103, 104].map((value, i) => ({ kind: 'value', key: 'ACME', seq: 3 + i, value })))
    await expect.poll(async () => (await probe(page, 'ACME')).count).toBe(0)
    await expect.poll(async () => (await hostStats(page)).streams).toBe(0)
  })

  test('a page that stalls sees one gap marker when it reads again, then the latest value, and continues', async ({ page }) => {
    await open(page)
    await page.evaluate(() => {
      const w = window as unknown as PageGlobals & { seen: BroadcastMessage<number>[]; release(): void; done: Promise<void> }
      w.seen = []
      const gate = new Promise<void>((r) => (w.release = r))
      w.done = (async () => {
        for await (const m of w.api.tickers.subscribe('SLOW', { window: 8 })) {
          w.seen.push(m)
          if (m.kind === 'value' && m.seq === 1) await gate // the page is busy: it reads nothing meanwhile
          if (m.kind === 'value' && m.seq === 1001) break
        }
      })()
    })
    await expect.poll(async () => (await probe(page, 'SLOW')).count).toBe(1)
    await page.evaluate(async () => {
      const { api } = window as unknown as PageGlobals
      for (let at = 1; at <= 1000; at += 10) await api.tickers.publish('SLOW', ...Array.from({ length: 10 }, (_, i) => at + i))
    })
    // Stalled: the page's credit is used up, the worker holds at most the subscriber's window (8), nothing more.
    const held = await probe(page, 'SLOW')
    expect(held.behind).toBe(1)
    expect(held.queued).toBeLessThanOrEqual(8)
    const seen = await page.evaluate(async () => {
      const w = window as unknown as PageGlobals & { seen: BroadcastMessage<number>[]; release(): void; done: Promise<void> }
      w.release()
      while (w.seen.at(-1)?.kind !== 'value' || (w.seen.at(-1) as { seq: number }).seq < 1000) await new Promise((r) => setTimeout(r, 10))
      await w.api.tickers.publish('SLOW', 1001)
      await w.done
      return w.seen
    })
    const gaps = seen.filter((m) => m.kind === 'gap')
    expect(gaps).toHaveLength(1)
    // Every seq is accounted for: delivered, or inside the gap.
    let next = 1
    for (const m of seen) {
      if (m.kind === 'value') expect(m.seq).toBe(next)
      else expect(m.from).toBe(next)
      next = m.kind === 'value' ? m.seq + 1 : m.to + 1
    }
    expect(next).toBe(1002)
    expect(seen.slice(-3)).toEqual([
      { kind: 'gap', key: 'SLOW', from: gaps[0]!.kind === 'gap' ? gaps[0]!.from : 0, to: 999 },
      { kind: 'value', key: 'SLOW', seq: 1000, value: 1000 },
      { kind: 'value', key: 'SLOW', seq: 1001, value: 1001 },
    ])
    await expect.poll(async () => (await probe(page, 'SLOW')).count).toBe(0)
    await expect.poll(async () => (await hostStats(page)).streams).toBe(0)
  })
})
