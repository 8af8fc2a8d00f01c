/**
 * The four cards of issue 12 in real Electron: Channel acks, Files, Observables and Keyed broadcast, driven in
 * the built app as e2e/web/*.spec.ts drive them in web mode, over the real path: the sandboxed preload relays
 * one MessagePort, main holds its MessagePortMain, and every value (acks, abort values, file chunks, the CSV,
 * quotes) is structured-cloned across it, binary as copies.
 *
 * Host-side facts come from the app's own UI, as in ./app.spec.ts: the footer (connections, live streams) and
 * the Dashboard card's "Live refs" (the host's refs, everyone's, twice a second). The app exposes nothing for
 * the tests, so what web mode reads through its probe (calls, the broadcast's queue) is checked here by its
 * effects instead.
 *
 * Where Electron differs from a browser:
 * - a File picked from disk is disk-backed; main pulls its slices through the port as it hashes them;
 * - an `<a download>` click (RemoteDownload.save(), the checksum links) is an Electron download: the session's
 *   'will-download' fires in main, and with no save path set there Electron opens a native Save dialog.
 *   Playwright leaves Electron's downloads to Electron (no 'download' event on the page), so these specs set a
 *   save path in a temp folder from main, as an app would, and read the saved file;
 * - a reload closes the page's port: whatever the page held open in main (a channel, a subscription) ends there.
 *
 * Skips, printing why, where there is no Electron binary (./fixtures.ts, ./global-setup.ts).
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, sep } from 'node:path'
import type { ElectronApplication, Page } from '@playwright/test'
import { expect, hostCounts, test } from './fixtures'

/** The host's live refs, from the Dashboard card (on the Beyond tab); -1 before its first update. */
async function hostRefs(page: Page): Promise<number> {
  const text = ((await page.getByTestId('dashboard-refs').textContent()) ?? '').replace(/,/g, '')
  return /^\d+$/.test(text) ? Number(text) : -1
}

/** The refs once two dashboard updates in a row agree: what this page alone holds in main. */
async function steadyRefs(page: Page): Promise<number> {
  let last = -2
  await expect
    .poll(
      async () => {
        const now = await hostRefs(page)
        const steady = now >= 0 && now === last
        last = now
        return steady
      },
      { intervals: [700] },
    )
    .toBe(true)
  return last
}

/** Opens the Beyond tab and waits for `card` and for the dashboard's first numbers. */
async function beyond(page: Page, card: string): Promise<void> {
  await page.getByTestId('tab-beyond').click()
  await expect(page.getByTestId(`${card}-card`)).toBeVisible()
  await expect.poll(() => hostRefs(page)).toBeGreaterThanOrEqual(0)
}

/** Reloads the window; the page comes back on the Beyond tab (the URL's hash) with a fresh port. */
async function reload(page: Page, card: string): Promise<void> {
  await page.reload()
  await expect(page.getByTestId('host-stats')).toContainText('connection')
  await beyond(page, card)
}

// ---------------------------------------------------------------------------------------------------------
// Downloads: Electron's, handled in main
// ---------------------------------------------------------------------------------------------------------

/** A download as main's 'will-download' saw it, and how it ended ('progressing' until its 'done'). */
interface SavedDownload {
  filename: string
  mime: string
  url: string
  path: string
  state: string
  bytes: number
}

/**
 * Makes main save every download of the window's session into `dir` (no Save dialog), recording each in
 * `globalThis.e2eDownloads` of the main process: what an app does in `session.on('will-download')`.
 */
async function saveDownloadsIn(app: ElectronApplication, dir: string): Promise<void> {
  await app.evaluate(
    ({ session }, { dir, sep }) => {
      const g = globalThis as unknown as { e2eDownloads?: SavedDownload[] }
      g.e2eDownloads = []
      session.defaultSession.on('will-download', (_event, item) => {
        const path = `${dir}${sep}${item.getFilename()}`
        // Must be set within the event: without it, Electron asks the user with a native Save dialog.
        item.setSavePath(path)
        const entry: SavedDownload = { filename: item.getFilename(), mime: item.getMimeType(), url: item.getURL(), path, state: 'progressing', bytes: 0 }
        g.e2eDownloads!.push(entry)
        item.once('done', (_e, state) => {
          entry.state = state
          entry.bytes = item.getReceivedBytes()
        })
      })
    },
    { dir, sep },
  )
}

const downloads = (app: ElectronApplication) => app.evaluate(() => (globalThis as unknown as { e2eDownloads?: SavedDownload[] }).e2eDownloads ?? [])

/** Waits for main to have finished the download named `filename`, and returns it. */
async function downloaded(app: ElectronApplication, filename: string): Promise<SavedDownload> {
  await expect.poll(async () => (await downloads(app)).find((d) => d.filename === filename)?.state).toBe('completed')
  return (await downloads(app)).find((d) => d.filename === filename)!
}

// ---------------------------------------------------------------------------------------------------------
// Channel acks
// ---------------------------------------------------------------------------------------------------------

test.describe('Electron: the Channel acks card', () => {
  test("each send shows main's ack; /abort and the Abort button end the channel with a value; main lets go each time", async ({ main }) => {
    await beyond(main, 'acks')
    const baseline = await steadyRefs(main)

    await main.getByTestId('acks-open').click()
    await expect(main.getByTestId('acks-status')).toHaveText('Open (onOpen ran)')
    // The channel is a live ref in main while it is open.
    await expect.poll(() => hostRefs(main)).toBeGreaterThan(baseline)

    await main.getByTestId('acks-input').fill('hello sluice gate')
    await main.getByTestId('acks-send').click()
    await main.getByTestId('acks-input').fill('again')
    await main.getByTestId('acks-input').press('Enter')
    // The ack is the value main's listener returned, cloned across the MessagePortMain.
    const acks = main.getByTestId('acks-ack')
    await expect(acks.nth(0)).toContainText(/✓ ack #1 · 3 words · \d\d:\d\d:\d\d/)
    await expect(acks.nth(1)).toContainText(/✓ ack #2 · 1 word · \d\d:\d\d:\d\d/)
    await expect(main.getByTestId('acks-log').locator('li.host')).toHaveText([/stored #1/, /stored #2/])

    // Main aborts: the page's onClose gets an AbortError carrying main's value.
    await main.getByTestId('acks-input').fill('/abort')
    await main.getByTestId('acks-send').click()
    await expect(main.getByTestId('acks-status')).toHaveText('Aborted: {"reason":"the host was asked to abort","after":2}')
    await expect(main.getByTestId('acks-input')).toBeDisabled()
    await expect.poll(() => hostRefs(main)).toBe(baseline)

    // The page aborts with its own value.
    await main.getByTestId('acks-open').click()
    await expect(main.getByTestId('acks-status')).toHaveText('Open (onOpen ran)')
    await main.getByTestId('acks-input').fill('one more')
    await main.getByTestId('acks-input').press('Enter')
    await expect(acks.last()).toContainText('✓ ack #1 · 2 words')
    await main.getByTestId('acks-abort').click()
    await expect(main.getByTestId('acks-status')).toContainText('Aborted: {"by":"the page"')
    await expect(main.getByTestId('acks-open')).toBeEnabled()
    await expect.poll(() => hostRefs(main)).toBe(baseline)
    expect(await hostCounts(main)).toEqual({ connections: 1, streams: 0 })
  })

  test('a reload with the channel open ends it in main; the reloaded page opens a fresh one', async ({ main }) => {
    await beyond(main, 'acks')
    const baseline = await steadyRefs(main)
    await main.getByTestId('acks-open').click()
    await expect(main.getByTestId('acks-status')).toHaveText('Open (onOpen ran)')
    await main.getByTestId('acks-input').fill('before the reload')
    await main.getByTestId('acks-input').press('Enter')
    await expect(main.getByTestId('acks-ack').first()).toContainText('✓ ack #1 · 3 words')
    await expect.poll(() => hostRefs(main)).toBeGreaterThan(baseline)

    await reload(main, 'acks')
    // The old port closed: main dropped that connection and its channel; the new page holds what a fresh one does.
    await expect.poll(() => hostCounts(main)).toEqual({ connections: 1, streams: 0 })
    await expect.poll(() => hostRefs(main)).toBe(baseline)

    await main.getByTestId('acks-open').click()
    await main.getByTestId('acks-input').fill('after')
    await main.getByTestId('acks-input').press('Enter')
    // A new channel numbers from 1 again.
    await expect(main.getByTestId('acks-ack').first()).toContainText('✓ ack #1 · 1 word')
    await main.getByTestId('acks-abort').click()
    await expect.poll(() => hostRefs(main)).toBe(baseline)
  })
})

// ---------------------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------------------

/** A few MiB of varied bytes (an odd length, so the last chunk is short). */
const bytes = (n: number) => Buffer.from(Uint8Array.from({ length: n }, (_, i) => (i * 13 + (i >> 10)) & 0xff))

test.describe('Electron: the Files card', () => {
  let dir = ''
  test.beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-files-e2e-'))
  })
  test.afterEach(() => rmSync(dir, { recursive: true, force: true }))

  test("a file picked from disk is hashed in main to the test's own SHA-256; Export CSV and a checksum are saved through Electron's download", async ({ app, main }) => {
    await beyond(main, 'files')
    const baseline = await steadyRefs(main)
    // A real file on disk, as a user picks one: the page's File is disk-backed and main pulls its slices.
    const buffer = bytes(6 * 1024 * 1024 + 7)
    const sha = createHash('sha256').update(buffer).digest('hex')
    const file = join(dir, 'sample.bin')
    writeFileSync(file, buffer)

    await main.getByTestId('files-input').setInputFiles(file)
    await expect(main.getByTestId('files-status')).toHaveText(/^sample\.bin: 6\.0 MB hashed in [\d,]+ ms$/)
    await expect(main.getByTestId('files-sha256')).toHaveText(sha)
    await expect(main.getByTestId('files-progress')).toHaveAttribute('value', '100')
    await expect(main.getByTestId('files-read')).toHaveText('6.0 MB')
    await expect.poll(() => hostRefs(main)).toBe(baseline)

    // Export: main's download() reaches the page, whose save() clicks an <a download> on a blob: URL. In
    // Electron that is a download of the session: main's 'will-download' saves it where the test said.
    const saved = join(dir, 'saved')
    await saveDownloadsIn(app, saved)
    await main.getByTestId('files-export').click()
    const csv = await downloaded(app, 'sluice-hashes.csv')
    expect(csv.url).toMatch(/^blob:/)
    const text = readFileSync(csv.path, 'utf8')
    expect(csv.bytes).toBe(Buffer.byteLength(text))
    const lines = text.split('\n')
    expect(lines[0]).toBe('name,type,size,sha256')
    // The type is what Chromium guessed from the extension; the size and digest are exact.
    expect(lines[1]).toMatch(new RegExp(`^"sample\\.bin","[^"]*",${buffer.byteLength},${sha}$`))
    await expect(main.getByTestId('files-status')).toContainText('Saved sluice-hashes.csv')

    // A generator in main yields one checksum File per hash: a real File in the page, saved the same way.
    await main.getByTestId('files-checksums').click()
    await expect(main.getByTestId('files-status')).toHaveText('1 checksum files from the host')
    await main.getByTestId('files-checksum').filter({ hasText: 'sample.bin.sha256' }).click()
    const checksum = await downloaded(app, 'sample.bin.sha256')
    expect(readFileSync(checksum.path, 'utf8')).toBe(`${sha}  sample.bin\n`)
    // Nothing of the upload, the download or the generator is left in main.
    await expect.poll(() => hostRefs(main)).toBe(baseline)
    expect(await hostCounts(main)).toEqual({ connections: 1, streams: 0 })
  })

  test('Cancel stops a 4 GiB upload midway: main stops reading at once and lets go of the file', async ({ main }) => {
    await beyond(main, 'files')
    const baseline = await steadyRefs(main)
    // Sparse on disk: 4 GiB the page would never hold in memory, big enough that MessagePort speed cannot
    // finish it before Cancel.
    const file = join(dir, 'big.bin')
    writeFileSync(file, '')
    truncateSync(file, 4 * 1024 ** 3)

    await main.getByTestId('files-input').setInputFiles(file)
    await expect(main.getByTestId('files-status')).toContainText('Hashing big.bin (4096.0 MB) on the host')
    await expect.poll(async () => Number(await main.getByTestId('files-progress').getAttribute('value'))).toBeGreaterThan(0)
    await main.getByTestId('files-cancel').click()
    await expect(main.getByTestId('files-status')).toHaveText('Cancelled')
    await expect(main.getByTestId('files-cancel')).toBeDisabled()
    await expect(main.getByTestId('files-input')).toBeEnabled()
    expect(Number(await main.getByTestId('files-progress').getAttribute('value'))).toBeLessThan(100)
    // Main stopped reading: the count it reported settles (a progress call main made just before the cancel
    // may still land, and the card draws on the next frame), then does not move any more.
    let stopped = ''
    await expect
      .poll(
        async () => {
          const now = (await main.getByTestId('files-read').textContent()) ?? ''
          const same = now === stopped
          stopped = now
          return same
        },
        { intervals: [300] },
      )
      .toBe(true)
    await main.waitForTimeout(700)
    await expect(main.getByTestId('files-read')).toHaveText(stopped)
    await expect.poll(() => hostRefs(main)).toBe(baseline)
    expect(await hostCounts(main)).toEqual({ connections: 1, streams: 0 })
  })
})

// ---------------------------------------------------------------------------------------------------------
// Observables
// ---------------------------------------------------------------------------------------------------------

const hits = (page: Page) => page.getByTestId('live-hit').locator('.file').allTextContents()

test.describe('Electron: the Observables card (live search)', () => {
  test('typing answers with the words for the latest query; clearing answers empty; Stop unsubscribes on both sides', async ({ main }) => {
    await beyond(main, 'live')
    const baseline = await steadyRefs(main)
    await main.getByTestId('live-start').click()
    await expect(main.getByTestId('live-status')).toHaveText('Subscribed: type')
    // Subscribed: main's pipeline holds the page's keystrokes Observable, the page main's answers.
    await expect.poll(() => hostRefs(main)).toBeGreaterThan(baseline)

    await main.getByTestId('live-input').pressSequentially('lock', { delay: 10 })
    await expect(main.getByTestId('live-status')).toHaveAttribute('data-query', 'lock')
    const words = await hits(main)
    expect(words.length).toBeGreaterThan(0)
    for (const w of words) expect(w.startsWith('lock')).toBe(true)

    // Cleared: the empty query is answered like any other, with nothing.
    await main.getByTestId('live-input').fill('')
    await expect(main.getByTestId('live-status')).toHaveAttribute('data-query', '')
    await expect(main.getByTestId('live-results')).toHaveText('Type to search the sample notes')

    // Fast typing: whatever debounce and switchMap dropped, the answer shown is for the last query.
    await main.getByTestId('live-input').pressSequentially('weir', { delay: 0 })
    await expect(main.getByTestId('live-status')).toHaveAttribute('data-query', 'weir')
    for (const w of await hits(main)) expect(w.startsWith('weir')).toBe(true)
    await main.getByTestId('live-input').fill('zzzz')
    await expect(main.getByTestId('live-none')).toHaveText('No word starts with “zzzz”')
    const answered = Number(await main.getByTestId('live-answered').textContent())
    expect(answered).toBeGreaterThanOrEqual(4)

    await main.getByTestId('live-stop').click()
    await expect(main.getByTestId('live-status')).toContainText('Unsubscribed after')
    await expect(main.getByTestId('live-input')).toBeDisabled()
    // Both subscriptions ended and the page released the answers. What may remain is main's proxy of the
    // keystrokes Observable, until main's garbage collector takes it (as in web mode).
    await expect.poll(() => hostRefs(main)).toBeLessThanOrEqual(baseline + 1)
    expect((await hostCounts(main)).streams).toBe(0)
    // Nothing more arrives.
    await main.waitForTimeout(400)
    expect(Number(await main.getByTestId('live-answered').textContent())).toBe(answered)

    // A second run is a fresh subscription on both sides, counted afresh.
    await main.getByTestId('live-start').click()
    await expect(main.getByTestId('live-input')).toBeEnabled()
    await main.getByTestId('live-input').fill('heron')
    await expect(main.getByTestId('live-status')).toHaveAttribute('data-query', 'heron')
    await expect(main.getByTestId('live-answered')).toHaveText(/^[12]$/)
    await main.getByTestId('live-stop').click()
    // At most each run's keystrokes proxy, until main's garbage collector takes them.
    await expect.poll(() => hostRefs(main)).toBeLessThanOrEqual(baseline + 2)
  })

  test('a reload mid-subscription tears the pipeline down in main and holds nothing for the old page', async ({ main }) => {
    await beyond(main, 'live')
    const baseline = await steadyRefs(main)
    await main.getByTestId('live-start').click()
    await main.getByTestId('live-input').fill('lock')
    await expect(main.getByTestId('live-status')).toHaveAttribute('data-query', 'lock')
    await expect.poll(() => hostRefs(main)).toBeGreaterThan(baseline)

    await reload(main, 'live')
    await expect.poll(() => hostCounts(main)).toEqual({ connections: 1, streams: 0 })
    // The old connection went with its port: the keystrokes proxy too, not just the subscription.
    await expect.poll(() => hostRefs(main)).toBe(baseline)
    await expect(main.getByTestId('live-status')).toHaveText('Not subscribed')
  })
})

// ---------------------------------------------------------------------------------------------------------
// Keyed broadcast
// ---------------------------------------------------------------------------------------------------------

const SYMBOLS = ['ACME', 'GLOBEX', 'INITECH'] as const
const seqOf = async (page: Page, symbol: string) => Number(((await page.getByTestId(`quotes-${symbol}-seq`).textContent()) ?? '').replace(/[^\d]/g, '') || 0)
const seqIn = (note: string | null, at: 'from' | 'to') => Number((/#([\d,]+)–#([\d,]+)/.exec(note ?? '')?.[at === 'from' ? 1 : 2] ?? '0').replace(/,/g, ''))

test.describe('Electron: the Keyed broadcast card', () => {
  test('prices arrive numbered per symbol; a paused symbol gets a gap marker on Resume while the others go on', async ({ main }) => {
    await beyond(main, 'quotes')
    await main.getByTestId('quotes-subscribe').click()
    await expect(main.getByTestId('quotes-status')).toContainText('Subscribed')
    // One stream per symbol, live in main.
    await expect.poll(() => hostCounts(main)).toEqual({ connections: 1, streams: 3 })
    for (const symbol of SYMBOLS) await expect.poll(() => seqOf(main, symbol)).toBeGreaterThan(0)
    const start = await seqOf(main, 'ACME')
    await expect.poll(() => seqOf(main, 'ACME')).toBeGreaterThan(start + 5)

    await main.getByTestId('quotes-ACME-pause').click()
    await expect(main.getByTestId('quotes-ACME-note')).toHaveText('paused')
    const pausedAt = await seqOf(main, 'ACME')
    // The page reads no more ACME. Main may send what the page's credit allows (its window starts at 64 items,
    // and a reader that takes prices one at a time as they come rarely grows it), then holds 8 more (quotes'
    // `window`), then falls behind. No probe shows main's queue here, so wait for 300 prices of a symbol that
    // keeps flowing (every tick publishes all three): past 64 + 8 even if the window doubled twice, and proof
    // that keys are independent.
    const globex = await seqOf(main, 'GLOBEX')
    await expect.poll(() => seqOf(main, 'GLOBEX'), { timeout: 45_000 }).toBeGreaterThan(globex + 300)
    expect(await seqOf(main, 'ACME')).toBe(pausedAt)

    await main.getByTestId('quotes-ACME-pause').click()
    const note = main.getByTestId('quotes-ACME-note')
    await expect(note).toHaveText(/^missed #[\d,]+–#[\d,]+$/)
    const from = seqIn(await note.textContent(), 'from')
    const to = seqIn(await note.textContent(), 'to')
    // What was already on its way came first, then the gap: it starts after the prices main still sent.
    expect(from).toBeGreaterThan(pausedAt)
    expect(to).toBeGreaterThanOrEqual(from)
    // After the gap the latest price came, and it carries on from there.
    await expect.poll(() => seqOf(main, 'ACME')).toBeGreaterThan(to)

    await main.getByTestId('quotes-unsubscribe').click()
    await expect.poll(() => hostCounts(main)).toEqual({ connections: 1, streams: 0 })
  })

  test('a late subscriber starts at the last price, with its seq; a reload drops the subscriber in main', async ({ main }) => {
    await beyond(main, 'quotes')
    const baseline = await steadyRefs(main)
    await main.getByTestId('quotes-subscribe').click()
    await expect.poll(() => seqOf(main, 'INITECH')).toBeGreaterThan(3)
    await main.getByTestId('quotes-unsubscribe').click()
    await expect.poll(() => hostCounts(main)).toEqual({ connections: 1, streams: 0 })
    const seen = Object.fromEntries(await Promise.all(SYMBOLS.map(async (s) => [s, await seqOf(main, s)] as const)))

    // Nobody subscribed: main stops publishing and keeps each symbol's last price. A late subscriber's first
    // message is that price, a value (no gap), with its seq: never older than what the page saw, and its Date
    // still a Date after the MessagePortMain.
    await main.waitForTimeout(300)
    const late = await main.evaluate(async (symbols) => {
      const out: Record<string, { kind: string; seq: number; date: boolean }> = {}
      for (const symbol of symbols) {
        for await (const m of window.api.quotes(symbol, { last: true })) {
          out[symbol] = m.kind === 'value' ? { kind: m.kind, seq: m.seq, date: m.value.at instanceof Date } : { kind: m.kind, seq: 0, date: false }
          break
        }
      }
      return out
    }, [...SYMBOLS])
    for (const symbol of SYMBOLS) {
      expect(late[symbol]).toMatchObject({ kind: 'value', date: true })
      expect(late[symbol]!.seq).toBeGreaterThanOrEqual(seen[symbol]!)
    }
    await expect.poll(() => hostCounts(main)).toEqual({ connections: 1, streams: 0 })

    // The card subscribes late too: each row starts at the last price (at least the one just read), then more follow.
    await main.getByTestId('quotes-subscribe').click()
    for (const symbol of SYMBOLS) {
      const note = main.getByTestId(`quotes-${symbol}-note`)
      await expect(note).toHaveText(/^joined at #[\d,]+$/)
      expect(Number((await note.textContent())!.replace(/[^\d]/g, ''))).toBeGreaterThanOrEqual(late[symbol]!.seq)
    }
    await expect.poll(() => seqOf(main, 'ACME')).toBeGreaterThan(late.ACME!.seq)
    await expect.poll(() => hostCounts(main)).toEqual({ connections: 1, streams: 3 })

    // A reload closes the port: main's broadcast drops the three subscriptions of the old page.
    await reload(main, 'quotes')
    await expect.poll(() => hostCounts(main)).toEqual({ connections: 1, streams: 0 })
    await expect.poll(() => hostRefs(main)).toBe(baseline)
    await expect(main.getByTestId('quotes-status')).toHaveText('Not subscribed')
  })
})
