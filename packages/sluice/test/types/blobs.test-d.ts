/** Type tests for Files, Blobs and downloads on the client. Checked by tsc, never executed. */
import { expectTypeOf } from 'vitest'
import type { Client } from '../../src/shared/index.js'
import { download, type RemoteFile } from '../../src/main/index.js'
import type { RemoteDownload } from '../../src/renderer/index.js'

const api = {
  async hash(file: RemoteFile, onProgress?: (n: number) => void) {
    return { name: file.name, size: file.size, onProgress }
  },
  async many(input: { note: string; files: RemoteFile[]; cover: { image: RemoteFile } }) {
    return input.files.length
  },
  async both(id: number) {
    return { file: new File([String(id)], 'a.txt'), blob: new Blob([]), id }
  },
  async pdf() {
    return download(new Uint8Array(3), { type: 'application/pdf', name: 'a.pdf' })
  },
  async echo(file: RemoteFile) {
    return file
  },
  async *files(): AsyncGenerator<File, Blob> {
    yield new File([], 'x')
    return new Blob([])
  },
}
declare const client: Client<typeof api>
declare const file: File
declare const blob: Blob

async function uses() {
  // A RemoteFile parameter takes the page's File or Blob, at the top level or nested.
  await client.hash(file)
  await client.hash(blob, (n) => expectTypeOf(n).toEqualTypeOf<number>())
  await client.many({ note: 'n', files: [file, blob], cover: { image: file } })
  // @ts-expect-error -- a file parameter takes a Blob, not its name
  await client.hash('photo.jpg')
  // @ts-expect-error -- the rest of a nested parameter keeps its types
  await client.many({ note: 1, files: [], cover: { image: file } })

  // Blobs and Files come back as themselves; a download as a RemoteDownload; a passed-back file as a Blob.
  const both = await client.both(1)
  expectTypeOf(both.file).toEqualTypeOf<File>()
  expectTypeOf(both.blob).toEqualTypeOf<Blob>()
  expectTypeOf(both.id).toEqualTypeOf<number>()
  const dl = await client.pdf()
  expectTypeOf(dl).toEqualTypeOf<RemoteDownload>()
  expectTypeOf(dl.save).returns.toEqualTypeOf<Promise<void>>()
  expectTypeOf(dl.objectURL).returns.toEqualTypeOf<Promise<string>>()
  expectTypeOf(dl.blob).returns.toEqualTypeOf<Promise<Blob>>()
  expectTypeOf(dl.stream).returns.toEqualTypeOf<ReadableStream<Uint8Array>>()
  expectTypeOf(dl.size).toEqualTypeOf<number | undefined>()
  expectTypeOf(await client.echo(file)).toEqualTypeOf<Blob>()
  for await (const f of client.files()) expectTypeOf(f).toEqualTypeOf<File>()
  expectTypeOf(await client.files()).toEqualTypeOf<Blob>()
}
void uses

// On the host, a RemoteFile's size is always known.
declare const remote: RemoteFile
expectTypeOf(remote.size).toEqualTypeOf<number>()
expectTypeOf(remote.bytes).returns.toEqualTypeOf<Promise<Uint8Array<ArrayBuffer>>>()
