/**
 * Files and Blobs in Chromium: the page's File read by a host in a Web Worker under credit, with the page's JS
 * heap measured through the upload (CDP Performance.getMetrics), a File back from the worker, and a download
 * turned into an object URL and saved. The page and worker: harness.ts.
 */
import { closeSync, mkdtempSync, openSync, rmSync, utimesSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, type Page, test } from '@playwright/test'
import { type PageGlobals, servePageAndWorker } from './harness'

const { open } = servePageAndWorker('sluice blobs test')

const MiB = 1024 * 1024
const PARTS = Number(process.env.SLUICE_BLOB_MIB ?? 1024)

test.describe('Files and Blobs between a page and a Web Worker host', () => {
  test(`uploads a ${PARTS} MiB File under credit with the page's JS heap flat`, async ({ page }) => {
    test.setTimeout(240_000)
    await open(page)
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Performance.enable')
    const heap = async () => {
      const { metrics } = await cdp.send('Performance.getMetrics')
      return metrics.find((m) => m.name === 'JSHeapUsedSize')!.value
    }
    // A file on disk, from repeated 1 MiB parts, picked with an <input type=file>: a real file-backed File, as
    // a user's pick or drop gives. (A 1 GiB Blob built in memory fails to read in a Playwright context:
    // Chromium cannot page an incognito profile's blobs to disk, and refuses them past its memory quota.)
    const dir = mkdtempSync(join(tmpdir(), 'sluice-e2e-'))
    const path = join(dir, 'big.bin')
    const part = new Uint8Array(MiB).map((_, i) => (i * 7 + (i >> 8)) & 0xff)
    const fd = openSync(path, 'w')
    for (let p = 0; p < PARTS; p++) writeSync(fd, part)
    closeSync(fd)
    utimesSync(path, 42, 42)
    await page.evaluate(() => {
      const input = document.createElement('input')
      input.type = 'file'
      input.id = 'pick'
      document.body.append(input)
    })
    await page.setInputFiles('#pick', path)
    await page.evaluate(() => {
      const w = window as unknown as PageGlobals & { file?: File }
      w.file = (document.getElementById('pick') as HTMLInputElement).files![0]!
    })
    await cdp.send('HeapProfiler.collectGarbage')
    const before = await heap()
    const started = Date.now()
    await page.evaluate(() => {
      const w = window as unknown as PageGlobals & { file: File }
      w.upload = w.api.digestFile(w.file)
    })
    let peak = before
    let done = false
    void page.evaluate(() => (window as unknown as PageGlobals).upload).then(() => (done = true), () => (done = true))
    while (!done) {
      peak = Math.max(peak, await heap())
      await page.waitForTimeout(100)
    }
    const seconds = (Date.now() - started) / 1000
    const result = (await page.evaluate(() => (window as unknown as PageGlobals).upload)) as { bytes: number; chunks: number; sample: number; name: string; size: number; type: string; lastModified: number }
    const expected = await page.evaluate((parts) => {
      // The same sample, computed over the part in the page: every 4 KiB offset of the whole file.
      const part = new Uint8Array(1024 * 1024).map((_, i) => (i * 7 + (i >> 8)) & 0xff)
      let sample = 0
      for (let p = 0; p < parts; p++) for (let i = 0; i < part.length; i += 4096) sample = (sample * 31 + part[i]!) >>> 0
      return sample
    }, PARTS)
    console.log(`blobs e2e: ${PARTS} MiB in ${seconds.toFixed(1)} s (${(PARTS / seconds).toFixed(0)} MiB/s); page JS heap ${(before / MiB).toFixed(1)} MiB before, peak ${(peak / MiB).toFixed(1)} MiB during`)
    rmSync(dir, { recursive: true, force: true })
    expect(result).toEqual({ name: 'big.bin', type: 'application/octet-stream', size: PARTS * MiB, lastModified: 42_000, bytes: PARTS * MiB, chunks: PARTS * 4, sample: expected })
    // Flat: the page's heap grew by less than 32 MiB while 1 GiB went through it.
    expect(peak - before).toBeLessThan(32 * MiB)
    await expect.poll(async () => (await page.evaluate(() => (window as unknown as PageGlobals).hostStats())).refs).toBe(0)
  })

  test('a File from the worker arrives as a real File; a download becomes an object URL, and save() downloads it', async ({ page }) => {
    await open(page)
    const got = await page.evaluate(async () => {
      const f = await (window as unknown as PageGlobals).api.workerFile()
      return { isFile: f instanceof File, name: f.name, type: f.type, lastModified: f.lastModified, text: await f.text() }
    })
    expect(got).toEqual({ isFile: true, name: 'worker.txt', type: 'text/plain', lastModified: 1_234_567, text: 'made in a worker' })

    const viaUrl = await page.evaluate(async () => {
      const dl = await (window as unknown as PageGlobals).api.csvDownload(3)
      const url = await dl.objectURL()
      const text = await (await fetch(url)).text()
      URL.revokeObjectURL(url)
      return { name: dl.name, type: dl.type, size: dl.size ?? null, url: url.startsWith('blob:'), text }
    })
    expect(viaUrl).toEqual({ name: 'squares.csv', type: 'text/csv', size: null, url: true, text: 'id,square\n0,0\n1,1\n2,4\n' })

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.evaluate(async () => (await (window as unknown as PageGlobals).api.csvDownload(5)).save()),
    ])
    expect(download.suggestedFilename()).toBe('squares.csv')
    await expect.poll(async () => (await page.evaluate(() => (window as unknown as PageGlobals).hostStats())).refs).toBe(0)
  })

  test('a generator in the worker yields Files into the page: real Files, in order, bytes whole', async ({ page }) => {
    await open(page)
    const got = await page.evaluate(async () => {
      const out: string[] = []
      const call = (window as unknown as PageGlobals).api.workerFiles(6)
      for await (const item of call) {
        const f = item instanceof Blob ? item : item.file
        const bytes = new Uint8Array(await f.arrayBuffer())
        const whole = bytes.every((b) => b === bytes[0])
        out.push(`${f instanceof File} ${f.name} ${f.type} ${f.lastModified} ${f.size} ${bytes[0]} ${whole}`)
      }
      out.push(`returned ${await call}`)
      return out
    })
    expect(got).toEqual([...Array.from({ length: 6 }, (_, i) => `true w${i}.bin application/x-w ${1_000 + i} ${300 * 1024} ${i + 1} true`), 'returned 6'])
    await expect.poll(async () => (await page.evaluate(() => (window as unknown as PageGlobals).hostStats())).refs).toBe(0)
  })
})
