/**
 * Issue 12's primitives against raw postMessage, on the bench's layout: the host in a Worker thread, the client
 * in the main thread, over a node:worker_threads MessageChannel.
 *
 *   node --expose-gc --import tsx bench/primitives.ts          (from packages/sluice; part of `npm run bench`)
 *
 * Rows, each measured once per round, rounds interleaved; the table quotes the median round and ratios are
 * medians of per-round ratios:
 * - channel values page → host, 50k sends in flight: `send()` resolving with the listener's ack, against
 *   `send(v, { ack: false })`;
 * - channel bytes page → host: `sendBinary` of 64 KiB chunks, against raw postMessage of the same chunks;
 * - a File uploaded (page → host, a 64 MiB Blob read by the host's RemoteFile), against raw postMessage of each
 *   chunk of the Blob's own stream();
 * - a Blob downloaded (host → page, arriving as a real Blob), against the same raw baseline.
 * No targets: the issue sets none for these; the rows say what each guarantee (acks, credit) costs.
 */
import { isMainThread, MessageChannel, type MessagePort, parentPort, Worker } from 'node:worker_threads'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const VALUES = Number(process.env.BENCH_CHANNEL_N ?? 50_000)
const CHUNK = 64 * 1024
const CHUNKS = Number(process.env.BENCH_BINARY_N ?? 1500)
const FILE_MIB = Number(process.env.BENCH_FILE_MIB ?? 64)
const RAW_CHUNK = 256 * 1024

type Control = { kind: 'sluice' | 'raw'; port: MessagePort }

// ---------------------------------------------------------------------------------------------------------------
// The host (worker)
// ---------------------------------------------------------------------------------------------------------------

if (!isMainThread) {
  const { Channel, createHost } = await import('../src/main/index.js')
  const api = {
    /** A channel whose listener counts values and acks each with its count. */
    sink() {
      const channel = new Channel<unknown, never, number>()
      let n = 0
      channel.listen(() => ++n)
      channel.listenBinary(() => ++n)
      return channel.client
    },
    /** Reads a page's file to the end; returns its length. */
    async upload(file: import('../src/main/index.js').RemoteFile): Promise<number> {
      let bytes = 0
      const reader = file.stream().getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return bytes
        bytes += value.byteLength
      }
    },
    /** A Blob of `mib` MiB, arriving in the page as a real Blob. */
    async blob(mib: number): Promise<Blob> {
      return new Blob(Array.from({ length: mib }, () => new Uint8Array(1024 * 1024)))
    },
  }
  const host = createHost(api)
  parentPort!.on('message', (m: Control) => {
    if (m.kind === 'sluice') return void host.connect(m.port)
    // Raw: count bytes and messages; answer 'done' when the sender says so, or send `n` chunks on request.
    let bytes = 0
    m.port.on('message', (msg: { end?: true; send?: number } | Uint8Array[] | Uint8Array) => {
      if (msg instanceof Uint8Array) bytes += msg.byteLength
      else if (Array.isArray(msg)) for (const c of msg) bytes += c.byteLength
      else if (msg.end) (m.port.postMessage({ bytes }), (bytes = 0))
      else if (msg.send !== undefined) {
        for (let i = 0; i < msg.send; i++) m.port.postMessage(new Uint8Array(RAW_CHUNK))
        m.port.postMessage({ end: true })
      }
    })
  })
  parentPort!.postMessage('ready')
}

// ---------------------------------------------------------------------------------------------------------------
// The client (main thread)
// ---------------------------------------------------------------------------------------------------------------

if (isMainThread) {
  const { createClient, close } = await import('../src/renderer/index.js')
  type Api = {
    sink(): import('../src/shared/channel.js').ChannelEnd<unknown, never, number>
    upload(file: Blob): Promise<number>
    blob(mib: number): Promise<Blob>
  }
  const code = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(import.meta.url)}) })`
  const worker = new Worker(code, { eval: true })
  await new Promise((r) => worker.once('message', r))
  const attach = (kind: Control['kind']) => {
    const { port1, port2 } = new MessageChannel()
    worker.postMessage({ kind, port: port1 } satisfies Control, [port1])
    return port2
  }
  const api = createClient<Api>(attach('sluice'))
  const raw = attach('raw')
  const rawReply = () => new Promise<{ bytes?: number; end?: true }>((r) => raw.once('message', r))

  const time = async (fn: () => Promise<unknown>) => {
    const t0 = performance.now()
    await fn()
    return (performance.now() - t0) / 1000
  }

  const rows = {
    acked: [] as number[],
    unacked: [] as number[],
    binary: [] as number[],
    rawBinary: [] as number[],
    upload: [] as number[],
    download: [] as number[],
    rawUp: [] as number[],
    rawDown: [] as number[],
  }
  const ratios = { ackCost: [] as number[], binary: [] as number[], upload: [] as number[], download: [] as number[] }
  const MiB = 1024 * 1024
  const file = new Blob(Array.from({ length: FILE_MIB }, () => new Uint8Array(MiB)))

  for (let round = 0; round < ROUNDS; round++) {
    const ch = await api.sink()
    const acked = VALUES / (await time(() => Promise.all(Array.from({ length: VALUES }, (_, i) => ch.send({ i })))))
    const unacked = VALUES / (await time(() => Promise.all(Array.from({ length: VALUES }, (_, i) => ch.send({ i }, { ack: false })))))
    const binary = (CHUNKS * CHUNK) / MiB / (await time(() => Promise.all(Array.from({ length: CHUNKS }, () => ch.sendBinary(new Uint8Array(CHUNK), { ack: false })))))
    // The last unacked send left once credit allowed it: wait for the listener's acks of all of them.
    await ch.send({ last: true })
    ch.close()
    const rawBinary =
      (CHUNKS * CHUNK) / MiB /
      (await time(async () => {
        for (let i = 0; i < CHUNKS; i += 64) raw.postMessage(Array.from({ length: Math.min(64, CHUNKS - i) }, () => new Uint8Array(CHUNK)))
        raw.postMessage({ end: true })
        await rawReply()
      }))
    const upload = FILE_MIB / (await time(() => api.upload(file)))
    const rawUp =
      FILE_MIB /
      (await time(async () => {
        // What a hand-written streaming upload does: post each chunk as the Blob's stream gives it, no credit.
        const reader = file.stream().getReader()
        for (let step = await reader.read(); !step.done; step = await reader.read()) raw.postMessage(step.value)
        raw.postMessage({ end: true })
        await rawReply()
      }))
    const download = FILE_MIB / (await time(async () => (await api.blob(FILE_MIB)).size))
    const rawDown =
      FILE_MIB /
      (await time(async () => {
        const parts: Uint8Array[] = []
        await new Promise<void>((resolve) => {
          const on = (m: Uint8Array | { end?: true }) => {
            if (m instanceof Uint8Array) parts.push(m)
            else (raw.off('message', on), resolve())
          }
          raw.on('message', on)
          raw.postMessage({ send: (FILE_MIB * MiB) / RAW_CHUNK })
        })
        return new Blob(parts as BlobPart[]).size
      }))
    rows.acked.push(acked)
    rows.unacked.push(unacked)
    rows.binary.push(binary)
    rows.rawBinary.push(rawBinary)
    rows.upload.push(upload)
    rows.rawUp.push(rawUp)
    rows.download.push(download)
    rows.rawDown.push(rawDown)
    ratios.ackCost.push(acked / unacked)
    ratios.binary.push(binary / rawBinary)
    ratios.upload.push(upload / rawUp)
    ratios.download.push(download / rawDown)
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const f = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(0)}k` : x.toFixed(0))
  console.log(`\nissue 12 primitives (host in a Worker, client in main; median of ${ROUNDS} rounds)`)
  console.log(`  channel values, send() resolving on ack  ${f(median(rows.acked))}/s`)
  console.log(`  channel values, { ack: false }            ${f(median(rows.unacked))}/s`)
  console.log(`  channel sendBinary 64 KiB                 ${f(median(rows.binary))} MiB/s   raw 64 per post ${f(median(rows.rawBinary))} MiB/s`)
  console.log(`  File upload (${FILE_MIB} MiB, RemoteFile.stream) ${f(median(rows.upload))} MiB/s   raw stream() posts ${f(median(rows.rawUp))} MiB/s`)
  console.log(`  Blob download (${FILE_MIB} MiB, a real Blob)   ${f(median(rows.download))} MiB/s   raw 256 KiB posts ${f(median(rows.rawDown))} MiB/s`)
  console.log('ratios (median of per-round ratios; no targets)')
  console.log(`  acked ÷ { ack: false }                    ${median(ratios.ackCost).toFixed(2)}`)
  console.log(`  sendBinary ÷ raw                          ${median(ratios.binary).toFixed(2)}`)
  console.log(`  upload ÷ raw                              ${median(ratios.upload).toFixed(2)}`)
  console.log(`  download ÷ raw                            ${median(ratios.download).toFixed(2)}`)
  close(api)
  raw.close()
  await worker.terminate()
}
