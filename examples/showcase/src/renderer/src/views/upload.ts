import { describeError, formatBytes, formatInt, h, perFrame } from '../dom'
import { card, say, signature, status } from './card'

const WINDOW = 64

/**
 * An async iterable as an argument: the page passes upload() an async generator, and the host pulls chunks
 * from it as it reads them. The host tells the page how far it has read (a callback), so the card shows the
 * generator running ahead of the host, but never by more than the credit window.
 */
export function uploadPanel(): HTMLElement {
  const size = h(
    'select',
    { 'aria-label': 'How much to upload', 'data-testid': 'upload-size' },
    h('option', { value: '200' }, '200 chunks'),
    h('option', { value: '1000' }, '1 000 chunks'),
  )
  const start = h('button', { class: 'primary', 'data-testid': 'upload-start', onclick: () => void run() }, 'Upload')
  const sentBar = h('progress', { max: 100, value: 0, 'data-testid': 'upload-sent-progress' })
  const readBar = h('progress', { max: 100, value: 0, 'data-testid': 'upload-read-progress' })
  const sent = h('span', { class: 'percent wide', 'data-testid': 'upload-sent' }, '0')
  const read = h('span', { class: 'percent wide', 'data-testid': 'upload-read' }, '0')
  const ahead = h('span', { class: 'big', 'data-testid': 'upload-ahead' }, '0')
  const maxAhead = h('span', { 'data-testid': 'upload-max-ahead' }, '0')
  const line = status('upload')
  let count = 0
  let nSent = 0
  let nRead = 0
  let most = 0

  const draw = perFrame(() => {
    sentBar.value = count ? Math.round((nSent / count) * 100) : 0
    readBar.value = count ? Math.round((nRead / count) * 100) : 0
    sent.textContent = formatInt(nSent)
    read.textContent = formatInt(nRead)
    ahead.textContent = formatInt(Math.max(nSent - nRead, 0))
    maxAhead.textContent = formatInt(most)
  })

  /**
   * The page's producer. sluice asks it for the next chunk only while the host has room (credit), so each time
   * it is asked, the chunks already handed over that the host has not yet read number at most one window.
   */
  async function* chunks(n: number, bytes: number): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < n; i++) {
      nSent = i
      most = Math.max(most, nSent - nRead)
      draw()
      yield new Uint8Array(bytes).fill(i % 256)
    }
    nSent = n
    draw()
  }

  async function run() {
    start.disabled = true
    size.disabled = true
    count = Number(size.value)
    nSent = 0
    nRead = 0
    most = 0
    draw()
    line.className = 'status'
    line.textContent = 'Uploading…'
    try {
      const result = await window.api.upload(chunks(count, 4096), (chunksRead) => {
        nRead = chunksRead
        draw()
      })
      say(line, `The host read ${formatBytes(result.bytes)} in ${formatInt(result.chunks)} chunks, ${result.ms} ms`, 'done')
    } catch (e) {
      say(line, describeError(e), 'warn')
    } finally {
      draw()
      start.disabled = false
      size.disabled = false
    }
  }

  return card(
    'upload',
    'Async iterable',
    `The page passes an async generator; the host reads its chunks one by one (slowly) and reports how far it has got. The generator runs ahead, but never by more than the credit window of ${WINDOW}.`,
    [start],
    signature('upload(chunks: AsyncIterable, onRead) → { chunks, bytes }'),
    h('div', { class: 'progress-row' }, h('span', { class: 'label' }, 'Upload'), size, h('span', { class: 'muted' }, 'of 4 KB each')),
    h('div', { class: 'progress-row' }, h('span', { class: 'label' }, 'Page sent'), sentBar, sent),
    h('div', { class: 'progress-row' }, h('span', { class: 'label' }, 'Host read'), readBar, read),
    h(
      'div',
      { class: 'row stats' },
      h('span', {}, ahead, h('span', { class: 'muted' }, ' ahead')),
      h('span', { class: 'muted' }, 'at most ', maxAhead, ` · window ${WINDOW}`),
    ),
    line,
  )
}
