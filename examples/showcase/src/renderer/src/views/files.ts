import { describeError, formatBytes, formatInt, h, perFrame } from '../dom'
import { card, say, signature, status } from './card'

/**
 * Files and Blobs: a File from an <input type=file> or a drop goes to the host as an argument, and the host
 * hashes it as it reads, pulling the bytes from the page under credit (the page slices the file only as the
 * host asks). The host reports how far it has read. "Export" returns a download() of the hashes so far, which
 * the page saves as a file. "Checksums" iterates a generator that yields one File per hash: each arrives as a
 * real File, linked here by an object URL.
 */
export function filesPanel(): HTMLElement {
  const input = h('input', { type: 'file', 'data-testid': 'files-input', 'aria-label': 'A file to hash on the host', onchange: () => void pick(input.files?.[0]) })
  const drop = h('div', { class: 'drop', 'data-testid': 'files-drop' }, 'Drop a file here, or ', input)
  const cancel = h('button', { class: 'ghost', 'data-testid': 'files-cancel', disabled: true, onclick: () => controller?.abort() }, 'Cancel')
  const exportButton = h('button', { 'data-testid': 'files-export', onclick: () => void exportHashes() }, 'Export CSV')
  const checksumButton = h('button', { class: 'ghost', 'data-testid': 'files-checksums', onclick: () => void checksums() }, 'Checksums')
  const links = h('div', { class: 'checksums', 'data-testid': 'files-checksum-list' })
  const bar = h('progress', { max: 100, value: 0, 'data-testid': 'files-progress' })
  const read = h('span', { class: 'percent wide', 'data-testid': 'files-read' }, '0 B')
  const digest = h('code', { class: 'digest', 'data-testid': 'files-sha256' }, '')
  const line = status('files')
  let controller: AbortController | undefined
  let size = 0
  let loaded = 0

  const draw = perFrame(() => {
    bar.value = size ? Math.round((loaded / size) * 100) : 0
    read.textContent = formatBytes(loaded)
  })

  drop.addEventListener('dragover', (e) => {
    e.preventDefault()
    drop.classList.add('over')
  })
  drop.addEventListener('dragleave', () => drop.classList.remove('over'))
  drop.addEventListener('drop', (e) => {
    e.preventDefault()
    drop.classList.remove('over')
    void pick(e.dataTransfer?.files[0])
  })

  async function pick(file: File | undefined) {
    if (file === undefined || controller !== undefined) return
    controller = new AbortController()
    cancel.disabled = false
    input.disabled = true
    size = file.size
    loaded = 0
    digest.textContent = ''
    draw()
    say(line, `Hashing ${file.name} (${formatBytes(file.size)}) on the host…`)
    try {
      const result = await window.api.hashUpload(
        file,
        (bytes) => {
          loaded = bytes
          draw()
        },
        controller.signal,
      )
      loaded = result.size
      digest.textContent = result.sha256
      say(line, `${result.name}: ${formatBytes(result.size)} hashed in ${formatInt(result.ms)} ms`, 'done')
    } catch (e) {
      say(line, describeError(e), 'warn')
    } finally {
      draw()
      controller = undefined
      cancel.disabled = true
      input.disabled = false
      input.value = ''
    }
  }

  async function exportHashes() {
    try {
      const csv = await window.api.exportHashes()
      await csv.save()
      say(line, `Saved ${csv.name} (${formatBytes(csv.size ?? 0)})`, 'done')
    } catch (e) {
      say(line, describeError(e), 'warn')
    }
  }

  async function checksums() {
    for (const a of links.querySelectorAll('a')) URL.revokeObjectURL(a.href)
    links.replaceChildren()
    try {
      for await (const file of window.api.checksumFiles()) {
        // A real File from the host: its bytes are all here, so an object URL serves it at once.
        links.append(h('a', { href: URL.createObjectURL(file), download: file.name, 'data-testid': 'files-checksum' }, `${file.name} (${formatBytes(file.size)})`), ' ')
      }
      say(line, `${formatInt(links.querySelectorAll('a').length)} checksum files from the host`, 'done')
    } catch (e) {
      say(line, describeError(e), 'warn')
    }
  }

  return card(
    'files',
    'Files',
    'A File from the page is an argument like any other: the host reads it as a stream, and the page slices it only as the host pulls (a 1 GiB file keeps the page flat). Export returns a download() that the page saves.',
    [cancel, exportButton, checksumButton],
    signature('hashUpload(file: RemoteFile, onProgress) → { sha256 } · exportHashes() → download(csv) · checksumFiles() → yields File'),
    drop,
    h('div', { class: 'progress-row' }, h('span', { class: 'label' }, 'Host read'), bar, read),
    digest,
    links,
    line,
  )
}
