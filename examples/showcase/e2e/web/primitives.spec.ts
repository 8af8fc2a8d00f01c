/**
 * The "Beyond generators" tab, in a real browser against the real backend (web mode): one test or two per
 * primitive, each asserting what the page shows and, where the host does something the page cannot see
 * (a timer cleared, a file closed, a handler that never ran), the host's own counts through the test fixture's probe (e2e/fixtures/instrument.ts).
 */
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { expect, test } from '../fixtures/web'

const sample = (name: string) => readFileSync(join(__dirname, '../../resources/sample', name))
const num = async (page: Page, id: string) => Number((await page.getByTestId(id).textContent())!.replace(/[^\d.]/g, ''))

async function open(page: Page, path = '/#beyond'): Promise<void> {
  await page.goto(path)
  await expect(page.getByTestId('host-stats')).toContainText('connection')
}

test.describe('web mode: beyond generators', () => {
  test('the tabs: generators first, #beyond opens the other primitives', async ({ page }) => {
    await open(page, '/')
    await expect(page.getByTestId('process-card')).toBeVisible()
    await expect(page.getByTestId('ticks-card')).toBeHidden()
    await page.getByTestId('tab-beyond').click()
    await expect(page).toHaveURL(/#beyond$/)
    for (const id of ['ticks', 'report', 'streams', 'upload', 'chat', 'dashboard', 'whoami', 'notes', 'notices']) {
      await expect(page.getByTestId(`${id}-card`)).toBeVisible()
    }
    await expect(page.getByTestId('process-card')).toBeHidden()
    await page.reload()
    await expect(page.getByTestId('ticks-card')).toBeVisible()
    await expect(page.getByTestId('tab-beyond')).toHaveAttribute('aria-selected', 'true')
  })

  test('callbacks: the host calls the page until Stop, and then clears its timer', async ({ page, probe }) => {
    await open(page)
    const before = probe.stats().beyond.tickers
    await page.getByTestId('ticks-start').click()
    await expect(page.getByTestId('ticks-status')).toContainText('Subscribed')
    await expect.poll(() => num(page, 'ticks-count')).toBeGreaterThanOrEqual(5)
    expect(probe.stats().beyond.tickers.started).toBe(before.started + 1)
    await page.getByTestId('ticks-stop').click()
    await expect(page.getByTestId('ticks-status')).toContainText('Unsubscribed after')
    expect(probe.stats().beyond.tickers.unsubscribed).toBe(before.unsubscribed + 1)
    // Every tick the host sent arrived (none skipped, none after the unsubscribe resolved), and then no more.
    const n = Number((await page.getByTestId('ticks-status').textContent())!.match(/after ([\d,]+) ticks/)![1]!.replace(/,/g, ''))
    await expect(page.getByTestId('ticks-count')).toHaveText(n.toLocaleString('en-US'))
    await expect(page.getByTestId('ticks-last')).toHaveText(`#${n}`)
    await page.waitForTimeout(400)
    expect(await num(page, 'ticks-count')).toBe(n)
  })

  test("callbacks: when the page goes away, the host's next call fails with a DisconnectedError and its timer stops", async ({ context, probe }) => {
    const watcher = await context.newPage()
    const page = await context.newPage()
    await open(watcher, '/')
    await open(page)
    const before = probe.stats().beyond.tickers
    await page.getByTestId('ticks-every').selectOption('50')
    await page.getByTestId('ticks-start').click()
    await expect.poll(() => num(page, 'ticks-count')).toBeGreaterThanOrEqual(3)
    await page.close()
    await expect.poll(async () => probe.stats().beyond.tickers.disconnected).toBe(before.disconnected + 1)
    const after = probe.stats().beyond.tickers
    expect(after.started).toBe(before.started + 1)
    expect(after.unsubscribed).toBe(before.unsubscribed)
    // And the host's timer is gone: no call to the page is even attempted any more.
    await new Promise((r) => setTimeout(r, 300))
    expect(probe.stats().beyond.tickers.calls).toBe(after.calls)
  })

  test('nested promises: name and size at once, then the word count, then the digest', async ({ page }) => {
    const name = 'notes/canal-history.txt'
    const bytes = sample(name)
    await open(page)
    await page.getByTestId('report-file').selectOption(name)
    await page.getByTestId('report-start').click()
    await expect(page.getByTestId('report-name')).toHaveText(name)
    await expect(page.getByTestId('report-bytes')).toHaveText(`${(bytes.length / 1024).toFixed(1)} KB`)
    // The object is here while its promises are still running on the host.
    await expect(page.getByTestId('report-words-field')).toHaveAttribute('data-state', 'pending')
    await expect(page.getByTestId('report-digest-field')).toHaveAttribute('data-state', 'pending')
    const words = bytes.toString('utf8').split(/\s+/).filter(Boolean).length
    await expect(page.getByTestId('report-words')).toHaveText(words.toLocaleString('en-US'))
    // The digest settled after the words: the page's own timestamps below say so, even on a machine too busy for
    // a poll to catch the moment in between.
    await expect(page.getByTestId('report-digest')).toHaveText(createHash('sha256').update(bytes).digest('hex'))
    await expect(page.getByTestId('report-status')).toHaveText('Every promise has settled')
    const [at0, atWords, atDigest] = [await num(page, 'report-name-at'), await num(page, 'report-words-at'), await num(page, 'report-digest-at')]
    expect(atWords - at0).toBeGreaterThan(250)
    expect(atDigest - atWords).toBeGreaterThan(250)
  })

  test('nested promises: the host takes a sample name, never a path', async ({ page }) => {
    await open(page)
    const answers = await page.evaluate(async () => {
      const out: unknown[] = []
      for (const name of ['../package.json', '/etc/passwd', 'notes/../readme.txt', 'notes', '']) {
        try {
          await window.api.fileReport(name)
          out.push('served')
        } catch (e) {
          out.push({ name: (e as Error).name, value: (e as { abortValue?: unknown }).abortValue })
        }
      }
      return out
    })
    for (const a of answers) expect(a).toMatchObject({ name: 'AbortError', value: { reason: 'not-a-sample' } })
    expect(await page.evaluate(async () => (await window.api.fileReport('readme.txt')).bytes)).toBe(sample('readme.txt').length)
  })

  test('ReadableStream, page → host → page: gzip on the host, checked by decompressing in the page', async ({ page }) => {
    await open(page)
    await page.getByTestId('gzip-repeat').selectOption('2000')
    await page.getByTestId('gzip-start').click()
    await expect(page.getByTestId('gzip-status')).toContainText('Round trip ✓')
    const input = await page.getByTestId('gzip-input').inputValue()
    await expect(page.getByTestId('gzip-in')).toHaveText(`${((input.length * 2000) / 1024).toFixed(1)} KB`)
    await expect.poll(() => num(page, 'gzip-chunks')).toBeGreaterThanOrEqual(1)
    // Repetitive text compresses to a small fraction.
    const ratio = Number((await page.getByTestId('gzip-status').textContent())!.match(/([\d.]+)%/)![1])
    expect(ratio).toBeLessThan(5)
  })

  test('ReadableStream, host → page: a sample file streams in, and Cancel closes it on the host', async ({ page, probe }) => {
    const name = 'notes/canal-history.txt'
    const text = sample(name).toString('utf8')
    await open(page)
    const before = probe.stats().beyond.reads
    await page.getByTestId('read-file').selectOption(name)
    // Progressive: part of the file is shown before the rest has arrived (about half a second, 30 ms a chunk).
    // The page records the output's length at each change, so a busy machine cannot hide the partial states.
    await page.evaluate(() => {
      const output = document.querySelector('[data-testid="read-output"]')!
      const lengths: number[] = []
      ;(window as unknown as { readLengths: number[] }).readLengths = lengths
      new MutationObserver(() => lengths.push(output.textContent!.length)).observe(output, { childList: true, characterData: true, subtree: true })
    })
    await page.getByTestId('read-start').click()
    await expect(page.getByTestId('read-status')).toContainText('Done')
    const lengths = await page.evaluate(() => (window as unknown as { readLengths: number[] }).readLengths)
    expect(lengths.some((n) => n > 0 && n < text.length)).toBe(true)
    await expect(page.getByTestId('read-output')).toHaveText(text, { useInnerText: false })
    await expect(page.getByTestId('read-progress')).toHaveAttribute('value', '100')
    await expect.poll(async () => probe.stats().beyond.reads.done).toBe(before.done + 1)

    const shown = async () => (await page.getByTestId('read-output').textContent())!.length
    await page.getByTestId('read-start').click()
    await expect.poll(shown, { intervals: [20] }).toBeGreaterThan(0)
    await page.getByTestId('read-cancel').click()
    await expect(page.getByTestId('read-status')).toContainText('Cancelled')
    expect((await page.getByTestId('read-output').textContent())!.length).toBeLessThan(text.length)
    await expect.poll(async () => probe.stats().beyond.reads.cancelled).toBe(before.cancelled + 1)
    const reads = probe.stats().beyond.reads
    expect(reads.opened).toBe(before.opened + 2)
  })

  test('async iterable argument: the host reads every chunk, and the generator runs at most one window ahead', async ({ page, probe }) => {
    await open(page)
    const before = probe.stats().beyond.uploads
    await page.getByTestId('upload-size').selectOption('200')
    await page.getByTestId('upload-start').click()
    await expect(page.getByTestId('upload-status')).toHaveText(/The host read 800\.0 KB in 200 chunks/)
    await expect(page.getByTestId('upload-sent')).toHaveText('200')
    await expect(page.getByTestId('upload-read')).toHaveText('200')
    const most = await num(page, 'upload-max-ahead')
    test.info().annotations.push({ type: 'upload', description: `the generator ran at most ${most} chunks ahead of the host` })
    // Pipelined (it does run ahead of a slow reader), and bounded by the 64-chunk credit window.
    expect(most).toBeGreaterThan(32)
    expect(most).toBeLessThanOrEqual(64)
    const after = probe.stats().beyond.uploads
    expect(after.chunks - before.chunks).toBe(200)
    expect(after.bytes - before.bytes).toBe(200 * 4096)
  })

  test('Channel: the host answers each message; either end can close it, and onClose says so', async ({ page, probe }) => {
    await open(page)
    const before = probe.stats().beyond.chats
    await page.getByTestId('chat-open').click()
    await expect(page.getByTestId('chat-status')).toHaveText('Open')
    await page.getByTestId('chat-input').fill('hello')
    await page.getByTestId('chat-send').click()
    await page.getByTestId('chat-input').fill('sluice gate')
    await page.getByTestId('chat-input').press('Enter')
    const log = page.getByTestId('chat-log').locator('li')
    await expect(log).toHaveCount(4)
    await expect(log.nth(0)).toHaveText('youhello')
    await expect(log.nth(1)).toHaveText(/^host\d\d:\d\d:\d\d · OLLEH$/)
    await expect(log.nth(2)).toHaveText('yousluice gate')
    await expect(log.nth(3)).toHaveText(/· ETAG ECIULS$/)
    expect(probe.stats().beyond.chats.opened).toBe(before.opened + 1)

    await page.getByTestId('chat-close').click()
    await expect(page.getByTestId('chat-status')).toHaveText('Closed by you (onClose ran)')
    await expect(page.getByTestId('chat-input')).toBeDisabled()
    await expect.poll(async () => probe.stats().beyond.chats.closed).toBe(before.closed + 1)

    // The host closes it: "/bye".
    await page.getByTestId('chat-open').click()
    await expect(page.getByTestId('chat-status')).toHaveText('Open')
    await page.getByTestId('chat-input').fill('/bye')
    await page.getByTestId('chat-send').click()
    await expect(page.getByTestId('chat-status')).toHaveText('Closed by the host (onClose ran)')
    await expect(log.last()).toHaveText(/Goodbye!$/)
    await expect(page.getByTestId('chat-open')).toBeEnabled()
    const after = probe.stats().beyond.chats
    expect(after.opened).toBe(before.opened + 2)
    expect(after.closed).toBe(before.closed + 2)
  })

  test('Broadcast: the main window and the About window both receive the live dashboard', async ({ context, probe }) => {
    const main = await context.newPage()
    const about = await context.newPage()
    await open(main)
    await about.goto('/?view=about')
    await expect(about.getByTestId('about-view')).toBeVisible()
    // Both subscribed: both see two connections and two subscribers, and keep receiving updates.
    for (const page of [main, about]) {
      await expect(page.getByTestId('dashboard-status')).toHaveText('Live: the same values reach every subscribed window')
      await expect(page.getByTestId('dashboard-connections')).toHaveText('2')
      await expect(page.getByTestId('dashboard-subscribers')).toHaveText('2')
    }
    const [m, a] = [await num(main, 'dashboard-updates'), await num(about, 'dashboard-updates')]
    await expect.poll(() => num(main, 'dashboard-updates')).toBeGreaterThanOrEqual(m + 2)
    await expect.poll(() => num(about, 'dashboard-updates')).toBeGreaterThanOrEqual(a + 2)
    expect(probe.stats().beyond.dashboardSubscribers).toBe(2)
    // One window goes: its subscription drops out, and the other hears it.
    await about.close()
    await expect(main.getByTestId('dashboard-subscribers')).toHaveText('1')
    await expect(main.getByTestId('dashboard-connections')).toHaveText('1')
    expect(probe.stats().beyond.dashboardSubscribers).toBe(1)
  })

  test('getContext() and Abort: the page sees its peer, and a refusal apart from a bug', async ({ page, baseURL, probe }) => {
    await open(page)
    await page.getByTestId('whoami-start').click()
    await expect(page.getByTestId('whoami-transport')).toHaveText('websocket')
    await expect(page.getByTestId('whoami-origin')).toHaveText(new URL(baseURL!).origin)
    await expect(page.getByTestId('whoami-id')).toHaveText(/^\d+$/)
    const id = Number(await page.getByTestId('whoami-id').textContent())
    expect(probe.stats().host!.peers.some((p) => p.id === id && p.open)).toBe(true)

    const result = page.getByTestId('secret-result')
    await page.getByTestId('secret-token').fill('guess')
    await page.getByTestId('secret-start').click()
    await expect(result).toHaveAttribute('data-kind', 'refused')
    await expect(result).toContainText('AbortError')
    await expect(page.getByTestId('secret-abort-value')).toHaveText('{"reason":"unauthorized"}')

    await page.getByTestId('secret-token').fill('open sesame')
    await page.getByTestId('secret-token').press('Enter')
    await expect(result).toHaveAttribute('data-kind', 'granted')
    await expect(result).toContainText(`Granted to peer ${id}`)

    await page.getByTestId('secret-token').fill('x'.repeat(101))
    await page.getByTestId('secret-start').click()
    await expect(result).toHaveAttribute('data-kind', 'bug')
    await expect(result).toContainText('TypeError: secretAction: the token must be a string of at most 100 characters')
  })

  test("validation: the host's zod schema refuses bad notes field by field, and the handler never runs", async ({ page, probe }) => {
    await open(page)
    const before = probe.stats().beyond.notes.created
    await page.getByTestId('note-title').fill('   ')
    await page.getByTestId('note-create').click()
    await expect(page.getByTestId('note-title-error')).toContainText('Too small')
    await expect(page.getByTestId('note-body-error')).toBeEmpty()

    await page.getByTestId('note-title').fill('t'.repeat(81))
    await page.getByTestId('note-body').fill('b'.repeat(2001))
    await page.getByTestId('note-create').click()
    await expect(page.getByTestId('note-title-error')).toContainText('Too big')
    await expect(page.getByTestId('note-body-error')).toContainText('Too big')
    expect(probe.stats().beyond.notes.created).toBe(before)
    await expect(page.getByTestId('note-list').locator('li')).toHaveCount(0)

    await page.getByTestId('note-title').fill('  Check the weir  ')
    await page.getByTestId('note-body').fill('')
    await page.getByTestId('note-create').click()
    // Parsed on the host: the title trimmed, the missing body defaulted.
    await expect(page.getByTestId('note-list').locator('li')).toHaveText(['Check the weir(no body)'])
    await expect(page.getByTestId('note-title-error')).toBeEmpty()
    await expect(page.getByTestId('note-body-error')).toBeEmpty()
    expect(probe.stats().beyond.notes.created).toBe(before + 1)
  })

  test('events: a note created in one window is a notice in every window', async ({ context }) => {
    const a = await context.newPage()
    const b = await context.newPage()
    await open(a)
    await open(b)
    const [na, nb] = [await num(a, 'notices-count'), await num(b, 'notices-count')]
    const title = `Lock 7 gate check ${Date.now()}`
    await a.getByTestId('note-title').fill(title)
    await a.getByTestId('note-create').click()
    for (const page of [a, b]) {
      await expect(page.getByTestId('notices-log').locator('li').first()).toContainText(`Note “${title}” created by peer`)
    }
    expect(await num(a, 'notices-count')).toBe(na + 1)
    expect(await num(b, 'notices-count')).toBe(nb + 1)
  })

  test('takes a screenshot of the Beyond generators tab', async ({ page }, testInfo) => {
    await open(page)
    await page.getByTestId('ticks-start').click()
    await page.getByTestId('report-start').click()
    await page.getByTestId('gzip-start').click()
    await page.getByTestId('read-start').click()
    await page.getByTestId('upload-start').click()
    await page.getByTestId('chat-open').click()
    await expect(page.getByTestId('chat-status')).toHaveText('Open')
    await page.getByTestId('chat-input').fill('hello')
    await page.getByTestId('chat-input').press('Enter')
    await page.getByTestId('chat-input').fill('open the gate')
    await page.getByTestId('chat-input').press('Enter')
    await page.getByTestId('whoami-start').click()
    await page.getByTestId('secret-token').fill('guess')
    await page.getByTestId('secret-start').click()
    await page.getByTestId('note-create').click()
    await page.getByTestId('note-title').fill('Check the weir')
    await page.getByTestId('note-create').click()
    await page.getByTestId('note-title').fill('')
    await page.getByTestId('note-create').click()
    await expect(page.getByTestId('report-status')).toHaveText('Every promise has settled')
    await expect(page.getByTestId('upload-status')).toContainText('The host read')
    await expect(page.getByTestId('read-status')).toContainText('Done')
    await expect(page.getByTestId('dashboard-updates')).not.toHaveText('–')
    await expect(page.getByTestId('note-title-error')).not.toBeEmpty()
    const png = await page.screenshot({ fullPage: true })
    await page.getByTestId('ticks-stop').click()
    await testInfo.attach('beyond-generators', { body: png, contentType: 'image/png' })
    writeFileSync(testInfo.outputPath('beyond-generators.png'), png)
    if (process.env.SLUICE_UPDATE_SCREENSHOT) writeFileSync(join(__dirname, '../../docs/screenshot-beyond.png'), png)
  })
})
