/**
 * Files and Blobs in e2e/worker: a host in a real Web Worker reads the page's File under credit, returns a File,
 * and offers a download. Re-exported from ./api.
 */
import { download, type RemoteFile } from 'sluice/main'

/** Reads the whole file as a stream: its size, chunk count and a checksum sampled every 4 KiB. */
export async function digestFile(file: RemoteFile) {
  const reader = file.stream().getReader()
  let bytes = 0
  let chunks = 0
  let sample = 0
  for (let step = await reader.read(); !step.done; step = await reader.read()) {
    const c = step.value
    for (let i = (4096 - (bytes % 4096)) % 4096; i < c.byteLength; i += 4096) sample = (sample * 31 + c[i]!) >>> 0
    bytes += c.byteLength
    chunks++
  }
  return { name: file.name, type: file.type, size: file.size, lastModified: file.lastModified, bytes, chunks, sample }
}

export async function workerFile(): Promise<File> {
  return new File(['made in a worker'], 'worker.txt', { type: 'text/plain', lastModified: 1_234_567 })
}

/** A CSV built as a stream of rows: its length is not known up front. */
export async function csvDownload(rows: number) {
  let i = 0
  const encoder = new TextEncoder()
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i === 0) controller.enqueue(encoder.encode('id,square\n'))
      if (i >= rows) return controller.close()
      controller.enqueue(encoder.encode(`${i},${i * i}\n`))
      i++
    },
  })
  return download(body, { type: 'text/csv', name: 'squares.csv' })
}

/**
 * Files made in the worker, yielded to the page: bare and inside objects, each 300 KiB (more than one chunk),
 * filled with its index. The page receives real Files.
 */
export async function* workerFiles(n: number): AsyncGenerator<File | { i: number; file: File }, number> {
  for (let i = 0; i < n; i++) {
    const file = new File([new Uint8Array(300 * 1024).fill(i + 1)], `w${i}.bin`, { type: 'application/x-w', lastModified: 1_000 + i })
    yield i % 2 === 0 ? file : { i, file }
  }
  return n
}
