import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { FRAME_TAGS } from '../src/shared/protocol.js'

const doc = readFileSync(new URL('../docs/protocol.md', import.meta.url), 'utf8')
const src = (path: string) => readFileSync(new URL(`../src/${path}`, import.meta.url), 'utf8')

describe('docs/protocol.md', () => {
  it('has one ### heading per frame tag, in FRAME_TAGS order', () => {
    const headings = [...doc.matchAll(/^### `([a-z-]+)`$/gm)].map((m) => m[1])
    expect(headings).toEqual([...FRAME_TAGS])
  })

  it('opens each frame section with its literal shape', () => {
    for (const tag of FRAME_TAGS) {
      const section = doc.split(`### \`${tag}\``)[1]!
      expect(section.trimStart().startsWith('```ts\n{ t: \'' + tag + "'")).toBe(true)
    }
  })

  it('names every tag in protocol.ts as a frame interface', () => {
    const vocab = src('shared/protocol.ts')
    for (const tag of FRAME_TAGS) expect(vocab).toContain(`t: '${tag}'`)
  })

  it('repeats each frame shape as a comment on the dispatch case that handles it', () => {
    const host = src('main/host.ts') + src('shared/refs/table.ts')
    const client = src('renderer/client.ts') + src('shared/refs/table.ts')
    const handledByHost = ['call', 'cancel', 'ref-call', 'ref-result', 'ref-release', 'ref-settle', 'ref-push', 'ref-bytes', 'ref-pull', 'ref-ack', 'ref-end']
    const handledByClient = ['result', 'error', 'protocol-error', 'event']
    for (const tag of handledByHost) expect(host).toMatch(new RegExp(`case '${tag}':[^\\n]*// \\{ t: '${tag}'|case '${tag}': \\{\\n\\s*// \\{ t: '${tag}'`))
    for (const tag of handledByClient) expect(client).toMatch(new RegExp(`case '${tag}':[^\\n]*// \\{ t: '${tag}'|case '${tag}': \\{\\n\\s*// \\{ t: '${tag}'`))
  })
})
