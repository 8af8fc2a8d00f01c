/**
 * Each entry point's exact runtime export list. A name added or removed here is an API change: update the
 * list, the docs (docs/api.md's table) and the changelog together.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const expected = {
  sluice: ['AbortError', 'DEFAULT_LIMITS', 'DisconnectedError', 'FRAME_TAGS', 'PROTOCOL_VERSION', 'ProtocolError', 'ValidationError', 'registerClass', 'registerCustom', 'release'],
  'sluice/main': ['Abort', 'AbortError', 'Broadcast', 'Channel', 'DisconnectedError', 'ProtocolError', 'ValidationError', 'createHost', 'getContext', 'release', 'serve', 'validated', 'webSocketPort'],
  'sluice/renderer': ['AbortError', 'DisconnectedError', 'ProtocolError', 'ValidationError', 'close', 'connect', 'createClient', 'events', 'isBridged', 'release', 'webSocketPort'],
  'sluice/preload': ['exposeApi', 'exposeBridge'],
}

describe('entry points', () => {
  it('sluice exports exactly its names', async () => {
    expect(Object.keys(await import('../src/shared/index.js')).sort()).toEqual(expected.sluice)
  })
  it('sluice/main exports exactly its names', async () => {
    expect(Object.keys(await import('../src/main/index.js')).sort()).toEqual(expected['sluice/main'])
  })
  it('sluice/renderer exports exactly its names', async () => {
    expect(Object.keys(await import('../src/renderer/index.js')).sort()).toEqual(expected['sluice/renderer'])
  })
  it('sluice/preload exports exactly its names (read from source: it needs Electron to load)', () => {
    const text = readFileSync(new URL('../src/preload/index.ts', import.meta.url), 'utf8')
    const values = [...text.matchAll(/^export (?:async )?(?:function|const|class) (\w+)/gm)].map((m) => m[1])
    const reexports = [...text.matchAll(/^export \{([^}]+)\} from/gm)].flatMap((m) => m[1]!.split(',').map((s) => s.trim().split(/\s+as\s+/).pop()!))
    expect(text).not.toMatch(/^export \*/m)
    expect([...values, ...reexports].sort()).toEqual(expected['sluice/preload'])
  })
  it('no entry re-exports with export *', () => {
    for (const side of ['shared', 'main', 'renderer', 'preload']) {
      expect(readFileSync(new URL(`../src/${side}/index.ts`, import.meta.url), 'utf8')).not.toMatch(/^export \*/m)
    }
  })
  it('package.json exports map each entry to its built files', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, { types: string; default: string }> }
    for (const [entry, dir] of [['.', 'shared'], ['./main', 'main'], ['./preload', 'preload'], ['./renderer', 'renderer']] as const) {
      expect(pkg.exports[entry]).toEqual({ types: `./dist/${dir}/index.d.ts`, default: `./dist/${dir}/index.js` })
    }
  })
})
