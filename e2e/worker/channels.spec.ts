/**
 * Channels at Telefunc's level in a real page against a host in a real Web Worker: acks, a listener's error,
 * binary (acked, counted in bytes) and abort(value), from the page; host.stats() back to zero.
 */
import { expect, type Page, test } from '@playwright/test'
import { type PageGlobals, servePageAndWorker } from './harness'

const { open } = servePageAndWorker('sluice channels test')

test('channel acks, a listener error, binary and abort(value) from the page; host stats return to zero', async ({ page }) => {
  await open(page)
  const result = await page.evaluate(async () => {
    const { api, hostStats } = window as unknown as PageGlobals
    const ch = await api.ackChannel()
    let opened = false
    ch.onOpen(() => (opened = true))
    const ack = await ch.send('hello')
    const many = await Promise.all(Array.from({ length: 100 }, (_, i) => ch.send(`m${i}`)))
    const boom = await ch.send('boom').then(
      () => 'resolved',
      (e: Error) => `${e.name}: ${e.message}`,
    )
    const bytes = new Uint8Array(100 * 1024).fill(1)
    const binaryAcks = await Promise.all([ch.sendBinary(new Uint8Array([1, 2, 3])), ch.sendBinary(bytes)])
    const tooBig = await ch.sendBinary(new Uint8Array(256 * 1024 + 1)).then(
      () => 'resolved',
      (e: Error) => e.name,
    )
    const reasons: { name: string; abortValue: unknown }[] = []
    ch.onClose((r) => reasons.push({ name: (r as Error).name, abortValue: (r as { abortValue?: unknown }).abortValue }))
    const aborting = await ch.send('abort')
    const after = await ch.send('after').then(
      () => 'resolved',
      (e: { name: string; abortValue: unknown }) => ({ name: e.name, abortValue: e.abortValue }),
    )
    // And from the page: a second channel, aborted here.
    const ch2 = await api.ackChannel()
    await ch2.send('x')
    ch2.abort({ from: 'page', n: 2 })
    let stats = await hostStats()
    for (let i = 0; i < 100 && stats.refs !== 0; i++) {
      await new Promise((r) => setTimeout(r, 10))
      stats = await hostStats()
    }
    return { opened, ack, many: many.length, last: many[99], boom, binaryAcks, tooBig, reasons, aborting, after, probe: await api.channelProbe(), refs: stats.refs }
  })
  expect(result.opened).toBe(true)
  expect(result.ack).toEqual({ echo: 'HELLO', len: 5 })
  expect(result.many).toBe(100)
  expect(result.last).toEqual({ echo: 'M99', len: 3 })
  expect(result.boom).toBe('RangeError: boom!')
  expect(result.binaryAcks).toEqual([6, 100 * 1024])
  expect(result.tooBig).toBe('RangeError')
  // A listener that aborts acks its own value with undefined (its return value is not sent).
  expect(result.aborting).toBeUndefined()
  expect(result.after).toEqual({ name: 'AbortError', abortValue: { reason: 'host aborted', at: new Date(0) } })
  expect(result.reasons).toEqual([{ name: 'AbortError', abortValue: { reason: 'host aborted', at: new Date(0) } }])
  expect(result.probe.closes).toEqual(['AbortError', 'AbortError'])
  expect(result.probe.abortValues).toEqual([{ reason: 'host aborted', at: new Date(0) }, { from: 'page', n: 2 }])
  expect(result.probe.binaryBytes).toBe(3 + 100 * 1024)
  expect(result.refs).toBe(0)
})
