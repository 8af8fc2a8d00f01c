/**
 * The "Files" card, in a real browser against the real backend (web mode): a picked File hashed on the host as
 * it streams in, with progress, cancelled midway, and the hashes exported as a download the browser saves.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { expect, test } from '../fixtures/web'

async function open(page: Page): Promise<void> {
  await page.goto('/#beyond')
  await expect(page.getByTestId('host-stats')).toContainText('connection')
  await expect(page.getByTestId('files-card')).toBeVisible()
}

const bytes = (n: number) => Buffer.from(Uint8Array.from({ length: n }, (_, i) => (i * 13 + (i >> 10)) & 0xff))

test.describe('web mode: files', () => {
  test('a picked file is hashed on the host as it streams in, and the hashes export as a saved CSV', async ({ page, probe }) => {
    await open(page)
    // The page holds a few refs of its own (its live subscriptions): the card must leave the count as it found it.
    const baseline = probe.host!.stats().refs
    const buffer = bytes(1536 * 1024 + 7)
    const sha = createHash('sha256').update(buffer).digest('hex')
    await page.getByTestId('files-input').setInputFiles({ name: 'sample.bin', mimeType: 'application/x-sample', buffer })
    await expect(page.getByTestId('files-status')).toContainText('sample.bin: 1.5 MB hashed in')
    await expect(page.getByTestId('files-sha256')).toHaveText(sha)
    await expect(page.getByTestId('files-progress')).toHaveAttribute('value', '100')

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('files-export').click()])
    expect(download.suggestedFilename()).toBe('sluice-hashes.csv')
    const csv = readFileSync(await download.path(), 'utf8')
    expect(csv.split('\n')[0]).toBe('name,type,size,sha256')
    expect(csv).toContain(`"sample.bin","application/x-sample",${buffer.byteLength},${sha}`)
    await expect(page.getByTestId('files-status')).toContainText('Saved sluice-hashes.csv')

    // A generator on the host yields one checksum File per hash: each arrives as a real File, whole.
    await page.getByTestId('files-checksums').click()
    await expect(page.getByTestId('files-status')).toContainText('checksum files from the host')
    const link = page.getByTestId('files-checksum').filter({ hasText: 'sample.bin.sha256' }).first()
    await expect(link).toBeVisible()
    const [checksum] = await Promise.all([page.waitForEvent('download'), link.click()])
    expect(checksum.suggestedFilename()).toBe('sample.bin.sha256')
    expect(readFileSync(await checksum.path(), 'utf8')).toBe(`${sha}  sample.bin\n`)
    // Nothing of the upload or the download is left on the host.
    await expect.poll(() => probe.host!.stats().refs).toBe(baseline)
  })

  test('Cancel stops an upload midway, and the host lets go of the file', async ({ page, probe }) => {
    await open(page)
    const baseline = probe.host!.stats().refs
    // A 1 GiB file picked from disk (sparse: it costs no disk), so the upload is still running when Cancel is
    // pressed on any machine: the web transport moves a few hundred MB a second at most.
    const dir = mkdtempSync(join(tmpdir(), 'sluice-files-'))
    const file = join(dir, 'big.bin')
    writeFileSync(file, '')
    truncateSync(file, 1024 ** 3)
    try {
      await page.getByTestId('files-input').setInputFiles(file)
      await expect(page.getByTestId('files-status')).toContainText('Hashing big.bin')
      await expect.poll(async () => Number(await page.getByTestId('files-progress').getAttribute('value'))).toBeGreaterThan(0)
      await page.getByTestId('files-cancel').click()
      await expect(page.getByTestId('files-status')).toHaveText('Cancelled')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    await expect.poll(() => probe.host!.stats().refs).toBe(baseline)
    await expect.poll(() => probe.host!.stats().calls).toBe(0)
  })
})
