/**
 * Files and Blobs: from the page as arguments (a `RemoteFile` on the host, read lazily under credit), back from
 * the host as real Blobs and Files, and downloads (`download(...)` → `RemoteDownload`). Over both port layouts.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { pairs } from './__shared__/pairs.js'
import type { RemoteDownload, StreamCall } from '../src/renderer/index.js'

const MiB = 1024 * 1024
const CHUNK = 256 * 1024

/** A Blob that counts the bytes sluice slices out of it: how far the page has read its file. */
class CountingBlob extends Blob {
  sliced = 0
  override slice(start?: number, end?: number, type?: string): Blob {
    const part = super.slice(start, end, type)
    this.sliced += part.size
    return part
  }
}

function bytesOf(n: number, seed = 7): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * seed + (i >> 8)) & 0xff
  return out
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
/** Cancels a plain call (at run time every call is a StreamCall; its type says Promise). */
const cancel = (call: Promise<unknown>) => (call as unknown as StreamCall<unknown>).cancel()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.each(pairs)('Files and Blobs ($name)', (factory) => {
  it('a File argument keeps its name, type, size and lastModified, and unread it is released when the call ends', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const file = new File([bytesOf(3 * MiB)], 'photo.jpg', { type: 'image/jpeg', lastModified: 1_600_000_000_000 })
    expect(await api.fileInfo(file)).toEqual({ name: 'photo.jpg', type: 'image/jpeg', size: 3 * MiB, lastModified: 1_600_000_000_000 })
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
    // A Blob has no name: '' on the host, and lastModified 0.
    expect(await api.fileInfo(new Blob(['abc'], { type: 'text/plain' }))).toEqual({ name: '', type: 'text/plain', size: 3, lastModified: 0 })
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
  })

  it('streams a file to the host chunk by chunk, byte for byte', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const data = bytesOf(5 * MiB + 123)
    const result = await api.hashFile(new File([data], 'big.bin'))
    expect(result).toEqual({ name: 'big.bin', bytes: data.byteLength, chunks: Math.ceil(data.byteLength / CHUNK), sha256: sha(data) })
    expect(await api.readText(new Blob(['héllo ', 'wörld']))).toBe('héllo wörld')
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
    // With a progress callback, as an upload card would show it.
    const progress: number[] = []
    await api.hashFile(new File([data], 'big.bin'), (n) => void progress.push(n))
    await new Promise((r) => setTimeout(r, 20))
    expect(progress.length).toBeGreaterThan(0)
    expect(progress.every((n, i) => i === 0 || n > progress[i - 1]!)).toBe(true)
  })

  it('takes files nested in objects and arrays, and an empty file', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const result = await api.nestedFiles({
      note: 'n',
      files: [new File(['one'], 'a.txt'), new File([], 'empty.txt'), new File(['three'], 'c.txt')],
      cover: { image: new Blob([bytesOf(CHUNK * 2 + 1)]) },
    })
    expect(result).toEqual({ note: 'n', cover: CHUNK * 2 + 1, texts: ['one', '', 'three'], names: ['a.txt', 'empty.txt', 'c.txt'] })
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
  })

  it('a second read of the same file fails with a clear error', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const { first, second } = await api.readTwice(new File(['once'], 'once.txt'))
    expect(first).toBe('once')
    expect(second).toMatch(/TypeError: sluice: text\(\): the file 'once.txt' was already read with text\(\); bytes from the other side can be read once/)
  })

  it('a stalled reader holds the page to the byte window: the page reads no further ahead', async () => {
    await using pair = await factory.make({ flow: { maxWindowBytes: MiB } })
    const { api } = pair.connect()
    const blob = new CountingBlob([new Uint8Array(64 * MiB)])
    const call = api.stallFile(blob, 1)
    await sleep(300)
    // One chunk read, then a window of at most 1 MiB (4 chunks) granted: the page sliced no more than that.
    expect(blob.sliced).toBeGreaterThan(0)
    expect(blob.sliced).toBeLessThanOrEqual(MiB + CHUNK)
    await sleep(200)
    expect(blob.sliced).toBeLessThanOrEqual(MiB + CHUNK)
    void cancel(call)
    await expect(call).rejects.toThrow()
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
  })

  it('with the default window, a stalled reader holds the page to 8 MiB of a 256 MiB file', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const blob = new CountingBlob([new Uint8Array(256 * MiB)])
    const call = api.stallFile(blob, 2)
    await sleep(400)
    expect(blob.sliced).toBeLessThanOrEqual(8 * MiB + 2 * CHUNK)
    void cancel(call)
    await expect(call).rejects.toThrow()
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
  })

  it('cancelling the call mid-transfer, or the page going away, releases everything', async () => {
    await using pair = await factory.make()
    const peer = pair.connect()
    const blob = new CountingBlob([new Uint8Array(64 * MiB)])
    const call = peer.api.stallFile(blob, 3)
    await sleep(100)
    void cancel(call)
    await expect(call).rejects.toThrow()
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
    const sliced = blob.sliced
    await sleep(100)
    expect(blob.sliced).toBe(sliced)

    const other = pair.connect()
    const big = new CountingBlob([new Uint8Array(64 * MiB)])
    const reading = other.api.stallFile(big, 3)
    await sleep(100)
    await other.closeFromHost()
    await expect(reading).rejects.toThrow(/disconnected|closed/)
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
    const then = big.sliced
    await sleep(100)
    expect(big.sliced).toBe(then)
    expect(big.sliced).toBeLessThanOrEqual(8 * MiB + 3 * CHUNK)
  })

  it('returns Files and Blobs as real Files and Blobs, name, type and lastModified kept', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const { file, blob, note } = await api.makeFile('hello file')
    expect(note).toBe('both')
    expect(file).toBeInstanceOf(File)
    expect([file.name, file.type, file.lastModified, await file.text()]).toEqual(['notes.txt', 'text/plain', 1_700_000_000_000, 'hello file'])
    expect(blob).toBeInstanceOf(Blob)
    expect(blob).not.toBeInstanceOf(File)
    expect([blob.type, [...new Uint8Array(await blob.arrayBuffer())]]).toEqual(['application/x-three', [1, 2, 3]])
    // A file the host received and passes back comes home as a File again.
    const back = await api.echoFile(new File([bytesOf(CHUNK + 5)], 'round.bin', { type: 'x/y' }))
    expect(back).toBeInstanceOf(File)
    expect([(back as File).name, back.type, back.size, sha(new Uint8Array(await back.arrayBuffer()))]).toEqual(['round.bin', 'x/y', CHUNK + 5, sha(bytesOf(CHUNK + 5))])
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
  })

  it('a file-backed Blob (fs.openAsBlob) arrives whole, and yields of Files arrive in order', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const dir = mkdtempSync(join(tmpdir(), 'sluice-blobs-'))
    const path = join(dir, 'data.json')
    const data = bytesOf(3 * MiB + 17)
    writeFileSync(path, data)
    const blob = await api.fileFromDisk(path)
    expect(blob).toBeInstanceOf(Blob)
    expect([blob.type, blob.size, sha(new Uint8Array(await blob.arrayBuffer()))]).toEqual(['application/json', data.byteLength, sha(data)])

    const names: string[] = []
    const call = api.filesOverTime(5)
    for await (const f of call) names.push(`${f.name}:${await f.text()}`)
    expect(names).toEqual(['f0.txt:file 0', 'f1.txt:file 1', 'f2.txt:file 2', 'f3.txt:file 3', 'f4.txt:file 4'])
    expect(await (await call).text()).toBe('the end')
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0 && s.streams === 0)
  })

  it('a download arrives lazily as a RemoteDownload: metadata at once, bytes as the page reads them', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const dl: RemoteDownload = await api.csvReport(3)
    expect([dl.name, dl.type, dl.size]).toEqual(['report.csv', 'text/csv', 20])
    const file = await dl.blob()
    expect(file).toBeInstanceOf(File)
    expect([(file as File).name, await file.text()]).toEqual(['report.csv', 'id,value\n0,0\n1,1\n2,4'])
    await expect(dl.text()).rejects.toThrow(/already read with blob\(\)/)
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)

    const streamed = await api.streamedDownload(20, 100_000)
    expect(streamed.size).toBeUndefined()
    let bytes = 0
    const reader = streamed.stream().getReader()
    for (let step = await reader.read(); !step.done; step = await reader.read()) bytes += step.value.byteLength
    expect(bytes).toBe(2_000_000)
    expect(streamed.loaded).toBe(2_000_000)
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
  })

  it('cancelling a download stops the host body and closes the call', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.blobReset()
    const dl = await api.streamedDownload(1_000_000, 64 * 1024)
    const reader = dl.stream().getReader()
    await reader.read()
    await reader.cancel(new Error('enough'))
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
    // The page's reader cancelled: the host's body was cancelled and the call closed.
    const probe = await api.blobProbe()
    expect(probe.bodyCancels).toBe(1)
    expect(probe.closes).toHaveLength(1)
  })

  it('a page that stalls on a download holds the host to its byte window', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect({ client: { flow: { maxWindowBytes: 2 * MiB } } })
    await api.blobReset()
    const dl = await api.streamedDownload(10_000, CHUNK)
    const reader = dl.stream().getReader()
    await reader.read()
    await sleep(300)
    // One chunk read, a window of 2 MiB (8 chunks) granted; the ReadableStream body may hold a chunk or two.
    const produced = (await api.blobProbe()).bodyBytes
    expect(produced).toBeGreaterThan(0)
    expect(produced).toBeLessThanOrEqual(2 * MiB + 3 * CHUNK)
    await sleep(200)
    expect((await api.blobProbe()).bodyBytes).toBe(produced)
    await reader.cancel()
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
  })

  it('a download the page drops unread is cancelled when it is garbage-collected', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await (async () => {
      const dl = await api.streamedDownload(1_000_000, 1000)
      expect(dl.name).toBe('stream.bin')
    })()
    await pair.waitFor((s) => s.refs === 1)
    for (let i = 0; i < 20; i++) {
      globalThis.gc?.()
      await sleep(20)
      if ((await pair.stats()).refs === 0) break
    }
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
  })

  it('a download that sends fewer bytes than it declared fails the page\'s read clearly', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const dl = await api.streamedDownload(2, 1000, 5000)
    expect(dl.size).toBe(5000)
    await expect(dl.bytes()).rejects.toThrow(/ended a file after 2000 of the 5000 bytes it declared/)
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
  })
})

/** Polls `probe` until `ok` holds (or fails after `ms`). */
async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, ms = 3000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (ok(v)) return v
    if (Date.now() > end) throw new Error(`never happened: ${JSON.stringify(v)}`)
    await sleep(5)
  }
}

const STAMP = 1_650_000_000_000
const describeFile = async (f: unknown) =>
  f instanceof File ? `File ${f.name} ${f.type} ${f.lastModified} ${await f.text()}` : f instanceof Blob ? `Blob ${f.type} ${await f.text()}` : `not a Blob: ${String(f)}`

describe.each(pairs)('Blobs from the host wherever they appear ($name)', (factory) => {
  it('a File inside a nested promise arrives as a real File once its bytes are in', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const result = await api.filesInPromises()
    expect(result.label).toBe('nested')
    const file = await result.file
    expect(file).toBeInstanceOf(File)
    expect(await describeFile(file)).toBe(`File p.txt text/plain ${STAMP} in a promise`)
    const { blob } = await result.deeper
    expect(blob).toBeInstanceOf(Blob)
    expect(blob).not.toBeInstanceOf(File)
    expect([blob.type, [...new Uint8Array(await blob.arrayBuffer())]]).toEqual(['x/bytes', [9, 8, 7]])
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
  })

  it("a generator's items that are, or hold, Files arrive as real Files, in order", async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const got: string[] = []
    const call = api.fileItems(4)
    for await (const item of call) got.push(await describeFile(item instanceof Blob ? item : item.file))
    expect(got).toEqual([
      `File item0.txt text/plain ${STAMP} item 0`,
      `File bare1.txt text/plain ${STAMP} bare 1`,
      `File item2.txt text/plain ${STAMP} item 2`,
      `File bare3.txt text/plain ${STAMP} bare 3`,
    ])
    expect(await call).toBe(4)
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0 && s.streams === 0)
  })

  it("a ReadableStream's File items and an async iterable's Blob items arrive as real ones, in order", async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const { stream, items } = await api.fileStreams(3)
    const fromStream: string[] = []
    const reader = stream.getReader()
    for (let step = await reader.read(); !step.done; step = await reader.read()) fromStream.push(await describeFile(step.value))
    expect(fromStream).toEqual([0, 1, 2].map((i) => `File s${i}.txt text/plain ${STAMP} stream ${i}`))
    const fromItems: string[] = []
    for await (const { i, blob } of items) fromItems.push(`${i} ${await describeFile(blob)}`)
    expect(fromItems).toEqual([0, 1, 2].map((i) => `${i} Blob text/x-item blob ${i}`))
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
  })

  it("a channel's File values and a File ack arrive as real Files", async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const channel = await api.fileChannel(3)
    const got: string[] = []
    await new Promise<void>((resolve) => {
      channel.listen(async (f) => {
        got.push(await describeFile(f))
        if (got.length === 3) resolve()
      })
    })
    expect(got).toEqual([0, 1, 2].map((i) => `File c${i}.txt text/plain ${STAMP} channel ${i}`))
    const ack = await channel.send('hello')
    expect(await describeFile(ack)).toBe(`File ack.txt text/plain ${STAMP} HELLO`)
    channel.close()
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
  })

  it('a page callback is called with real Files, once their bytes are in, in the order the host called it', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    const seen: string[] = []
    const answers = await api.callWithFiles(async (f, n) => {
      seen.push(`${n} ${f instanceof File} ${f.name} ${f.size} ${f.lastModified}`)
      return `${n}:${(await f.arrayBuffer()).byteLength}`
    })
    expect(seen).toEqual([`1 true big.bin ${600 * 1024} ${STAMP}`, `2 true small.txt 5 ${STAMP}`])
    expect(answers).toEqual([`1:${600 * 1024}`, '2:5'])
    // (The host holds the callback until its proxy is collected: refs are not the point here.)
    await pair.waitFor((s) => s.calls === 0)
  })

  // -----------------------------------------------------------------------------------------------------------
  // Giving up while a Blob arrives cancels its transfer (512 MiB made as it is read: reading it all takes long)
  // -----------------------------------------------------------------------------------------------------------

  const BIG = 512 * MiB
  /** The host stopped reading the big Blob: far from its end, and no further after a pause. */
  async function stoppedEarly(api: { placesProbe(): Promise<{ sliced: number }> }) {
    const { sliced } = await api.placesProbe()
    expect(sliced).toBeGreaterThan(0)
    expect(sliced).toBeLessThan(BIG / 4)
    await sleep(150)
    expect((await api.placesProbe()).sliced).toBe(sliced)
  }

  it("cancelling a call while its result's Blob arrives cancels the transfer, and the host's call ends", async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.placesReset()
    const call = api.bigBlob(BIG)
    await until(() => api.placesProbe(), (p) => p.sliced > 0)
    void cancel(call)
    await expect(call).rejects.toThrow(/cancelled/)
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
    await stoppedEarly(api)
    expect((await api.placesProbe()).closes).toHaveLength(1)
  })

  it("aborting a call's signal while its result's Blob arrives cancels the transfer", async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.placesReset()
    const ctrl = new AbortController()
    const call = api.bigBlob(BIG, ctrl.signal)
    await until(() => api.placesProbe(), (p) => p.sliced > 0)
    ctrl.abort()
    await expect(call).rejects.toMatchObject({ name: 'AbortError' })
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
    await stoppedEarly(api)
  })

  it("breaking out of a generator while its item's Blob arrives cancels the transfer, and its finally runs", async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.placesReset()
    for await (const item of api.bigBlobYields(BIG)) {
      expect(item).toBe('first')
      await until(() => api.placesProbe(), (p) => p.sliced > 0)
      break
    }
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0 && s.streams === 0)
    await stoppedEarly(api)
    expect((await api.placesProbe()).finallies).toBe(1)
  })

  it("cancelling a ReadableStream while its item's Blob arrives cancels the transfer and the host's source", async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.placesReset()
    const stream = await api.bigBlobReadable(BIG, 1000, false)
    const reader = stream.getReader()
    const read = reader.read()
    await until(() => api.placesProbe(), (p) => p.sliced > 0)
    await reader.cancel(new Error('enough'))
    expect((await read).done).toBe(true)
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
    await stoppedEarly(api)
    expect((await api.placesProbe()).sourceCancels).toBe(1)
  })

  it("breaking out of an async iterable while its next item's Blob arrives cancels the transfer and the source", async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.placesReset()
    const { items } = await api.bigBlobIterable(BIG, 1000, true)
    for await (const item of items) {
      expect(item).toEqual({ n: 1, blob: null })
      await until(() => api.placesProbe(), (p) => p.sliced > 0)
      break
    }
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
    await stoppedEarly(api)
    expect((await api.placesProbe()).sourceCancels).toBe(1)
  })

  it('an awaited generator gets its returned File, and the Blobs it yielded are never read', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect()
    await api.placesReset()
    const done = await api.bigBlobsThenReturn(BIG, 3)
    expect(await describeFile(done)).toBe(`File done.txt text/plain ${STAMP} done`)
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0 && s.streams === 0)
    expect((await api.placesProbe()).sliced).toBe(0)
  })

  it('a Blob that arrives short fails the stream item or promise that held it, and the stream is cancelled', async () => {
    await using pair = await factory.make()
    const warnings: string[] = []
    const { api } = pair.connect({ client: { onProtocolError: (m) => void warnings.push(m) } })
    await api.placesReset()
    const { items, later } = await api.shortBlobs()
    await expect(later).rejects.toThrow(/ended a file after 0 of the 2000 bytes it declared/)
    const reader = items.getReader()
    expect((await reader.read()).value).toEqual({ n: 1 })
    await expect(reader.read()).rejects.toThrow(/ended a file after 0 of the 1000 bytes it declared/)
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
    expect((await api.placesProbe()).sourceCancels).toBe(1)
    expect(warnings.some((w) => /ended a file after 0 of the 1000 bytes/.test(w))).toBe(true)
  })

  it('a page that stops reading a stream of Blobs holds at most its window of them', async () => {
    await using pair = await factory.make()
    const { api } = pair.connect({ client: { flow: { initialWindow: 4, maxWindow: 64 } } })
    await api.placesReset()
    const stream = await api.bigBlobReadable(CHUNK, 1000, false)
    const reader = stream.getReader()
    const first = await reader.read()
    expect(first.value!.blob).toBeInstanceOf(Blob)
    await sleep(300)
    const stalled = await api.placesProbe()
    // A window of 4 items, each Blob read whole; the host's stream made one more for its own queue.
    expect(stalled.sliced).toBeLessThanOrEqual(4 * CHUNK)
    expect(stalled.made).toBeLessThanOrEqual(4 + 1)
    await sleep(200)
    expect(await api.placesProbe()).toEqual(stalled)
    await reader.cancel()
    await pair.waitFor((s) => s.refs === 0 && s.calls === 0)
  })
})
