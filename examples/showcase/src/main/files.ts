/**
 * Files and Blobs: the page hands the host a File (from an <input type=file> or a drop), and the host hashes it
 * as its bytes arrive, pulled from the page only as fast as it reads them (so a 1 GiB file keeps the page's
 * memory flat). Each hash is remembered (the last 50), and exportHashes() offers them back as a CSV download.
 * Re-exported from ./api.
 */
import { createHash } from 'node:crypto'
import { download, getContext, release, type RemoteFile } from 'sluice/main'

export interface FileHash {
  name: string
  type: string
  size: number
  sha256: string
  ms: number
}

const hashed: FileHash[] = []

/**
 * Streams the page's file through SHA-256, telling the page how far it has read (at most every 50 ms). The page
 * may pass an AbortSignal: it arrives as this call's own signal, and aborting it cancels the upload.
 */
export async function hashUpload(file: RemoteFile, onProgress: (bytes: number) => void, _signal?: AbortSignal): Promise<FileHash> {
  const { signal } = getContext()
  const started = performance.now()
  const sha = createHash('sha256')
  const reader = file.stream().getReader()
  let told = 0
  try {
    for (let step = await reader.read(); !step.done; step = await reader.read()) {
      signal.throwIfAborted()
      sha.update(step.value)
      if (performance.now() - told > 50) {
        told = performance.now()
        void onProgress(file.loaded)
      }
    }
    void onProgress(file.loaded)
  } finally {
    // Done with the page's callback: let it go now rather than when the garbage collector gets to it.
    release(onProgress)
  }
  const result = { name: file.name, type: file.type, size: file.size, sha256: sha.digest('hex'), ms: Math.round(performance.now() - started) }
  hashed.push(result)
  if (hashed.length > 50) hashed.shift()
  return result
}

/** The hashes so far, as a CSV the page can save (`download()`: read by the page only when it wants it). */
export async function exportHashes() {
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`
  const rows = hashed.map((f) => [quote(f.name), quote(f.type), f.size, f.sha256].join(','))
  return download(['name,type,size,sha256', ...rows].join('\n') + '\n', { type: 'text/csv', name: 'sluice-hashes.csv' })
}

/**
 * One checksum file per hash so far (`<name>.sha256`, in the `sha256sum` format), yielded as real Files: the
 * page receives each as a File, whole, in order (sluice reads a yielded Blob's bytes before delivering it).
 */
export async function* checksumFiles(): AsyncGenerator<File, number> {
  for (const f of [...hashed]) yield new File([`${f.sha256}  ${f.name}\n`], `${f.name}.sha256`, { type: 'text/plain' })
  return hashed.length
}
