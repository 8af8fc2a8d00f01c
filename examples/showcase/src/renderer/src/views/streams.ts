import { describeError, formatBytes, formatInt, h, perFrame } from '../dom'
import { card, say, signature, status } from './card'
import { samples, sampleSelect } from './samples'

const SAMPLE_TEXT =
  'A sluice is a water channel controlled at its head by a gate. The keeper opens the gate a little, and the ' +
  'water flows at the pace the channel below can take, never faster.\n'

/**
 * ReadableStreams, both ways. gzip(): the page streams text to the host, which streams the compressed bytes
 * back as CompressionStream makes them; the page checks that they decompress to what it sent. readSample():
 * the host streams a file, and the page shows it as it arrives (and can cancel: the host closes the file).
 */
export function streamsPanel(): HTMLElement {
  // ---- page → host → page -------------------------------------------------------------------------------
  const input = h('textarea', { rows: 2, 'aria-label': 'Text to compress', 'data-testid': 'gzip-input', spellcheck: false })
  input.value = SAMPLE_TEXT
  const repeat = h(
    'select',
    { 'aria-label': 'Repeat the text', 'data-testid': 'gzip-repeat' },
    h('option', { value: '1' }, '× 1'),
    h('option', { value: '100' }, '× 100'),
    h('option', { value: '2000', selected: true }, '× 2 000'),
  )
  const zip = h('button', { class: 'primary', 'data-testid': 'gzip-start', onclick: () => void compress() }, 'Gzip')
  const bytesIn = h('span', { 'data-testid': 'gzip-in' }, '–')
  const bytesOut = h('span', { class: 'big', 'data-testid': 'gzip-out' }, '0 B')
  const chunksOut = h('span', { 'data-testid': 'gzip-chunks' }, '0')
  const zipLine = status('gzip')
  let outBytes = 0
  let outChunks = 0
  const drawZip = perFrame(() => {
    bytesOut.textContent = formatBytes(outBytes)
    chunksOut.textContent = formatInt(outChunks)
  })

  async function compress() {
    zip.disabled = true
    const text = input.value.repeat(Number(repeat.value))
    const blob = new Blob([text])
    bytesIn.textContent = formatBytes(blob.size)
    outBytes = 0
    outChunks = 0
    drawZip()
    zipLine.className = 'status'
    zipLine.textContent = 'Compressing on the host…'
    try {
      const zipped = await window.api.gzip(blob.stream())
      const parts: Uint8Array[] = []
      const reader = zipped.getReader()
      for (;;) {
        const { done, value: chunk } = await reader.read()
        if (done) break
        parts.push(chunk)
        outBytes += chunk.byteLength
        outChunks++
        drawZip()
      }
      // Check the round trip here, in the page: the host's gzip must give back exactly what was sent.
      const back = await new Response(new Blob(parts as BlobPart[]).stream().pipeThrough(new DecompressionStream('gzip'))).text()
      const ratio = blob.size ? ((outBytes / blob.size) * 100).toFixed(1) : '0'
      zipLine.textContent = back === text ? `Round trip ✓ · ${ratio}% of the input` : 'Round trip failed: the bytes do not decompress to the input'
      zipLine.className = back === text ? 'status done' : 'status warn'
    } catch (e) {
      say(zipLine, describeError(e), 'warn')
    } finally {
      drawZip()
      zip.disabled = false
    }
  }

  // ---- host → page --------------------------------------------------------------------------------------
  const pick = sampleSelect('read-file', 'notes/canal-history.txt')
  const read = h('button', { class: 'primary', 'data-testid': 'read-start', onclick: () => void readFile() }, 'Read')
  const cancel = h('button', { class: 'ghost', 'data-testid': 'read-cancel', disabled: true, onclick: () => stopReading() }, 'Cancel')
  const bar = h('progress', { max: 100, value: 0, 'data-testid': 'read-progress' })
  const got = h('span', { class: 'percent wide', 'data-testid': 'read-bytes' }, '0 B')
  const out = h('pre', { class: 'tokens short', 'data-testid': 'read-output' })
  const text = document.createTextNode('')
  out.append(text)
  const readLine = status('read')
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined
  let cancelled = false
  // Cancelling the reader cancels the stream on the host: its cancel() runs and closes the file.
  const stopReading = () => {
    cancelled = true
    void reader?.cancel()
  }
  let pending = ''
  let readBytes = 0
  let total = 0
  const drawRead = perFrame(() => {
    text.appendData(pending)
    pending = ''
    out.scrollTop = out.scrollHeight
    bar.value = total ? Math.round((readBytes / total) * 100) : 0
    got.textContent = formatBytes(readBytes)
  })

  async function readFile() {
    read.disabled = true
    cancel.disabled = false
    text.data = ''
    pending = ''
    readBytes = 0
    readLine.className = 'status'
    readLine.textContent = 'Reading…'
    const name = pick.value
    total = (await samples()).find((f) => f.file === name)?.size ?? 0
    drawRead()
    const decoder = new TextDecoder()
    cancelled = false
    try {
      const stream = await window.api.readSample(name, 128)
      const r = (reader = stream.getReader())
      if (cancelled) void r.cancel()
      for (;;) {
        const { done, value } = await r.read()
        if (done) break
        readBytes += value.byteLength
        pending += decoder.decode(value, { stream: true })
        drawRead()
      }
      pending += decoder.decode()
      readLine.textContent = cancelled ? 'Cancelled: the host closed the file' : `Done · ${formatBytes(readBytes)}`
      readLine.className = cancelled ? 'status warn' : 'status done'
    } catch (e) {
      say(readLine, describeError(e), 'warn')
    } finally {
      drawRead()
      reader = undefined
      read.disabled = false
      cancel.disabled = true
    }
  }

  return card(
    'streams',
    'ReadableStream',
    'Both ways. The page streams text to the host, reads the gzip bytes back as they are made and checks them. Below, the host streams a file.',
    [],
    signature('gzip(ReadableStream) → ReadableStream'),
    input,
    h(
      'div',
      { class: 'row stats' },
      repeat,
      zip,
      h('span', {}, bytesIn, h('span', { class: 'muted' }, ' → '), bytesOut, h('span', { class: 'muted' }, ' in '), chunksOut, h('span', { class: 'muted' }, ' chunks')),
    ),
    zipLine,
    signature('readSample(name) → ReadableStream'),
    h('div', { class: 'row' }, pick, read, cancel),
    h('div', { class: 'progress-row' }, bar, got),
    out,
    readLine,
  )
}
