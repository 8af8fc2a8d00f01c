/**
 * Each entry point's exact runtime export list. A name added or removed here is an API change: update the
 * list, the docs (docs/api.md's table) and the changelog together.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const expected = {
  sluice: ['AbortError', 'DEFAULT_LIMITS', 'DisconnectedError', 'FRAME_TAGS', 'ObservableOverflowError', 'PROTOCOL_VERSION', 'ProtocolError', 'ValidationError', 'registerClass', 'registerCustom', 'release'],
  'sluice/main': ['Abort', 'AbortError', 'Broadcast', 'Channel', 'DisconnectedError', 'ObservableOverflowError', 'ProtocolError', 'ValidationError', 'createHost', 'download', 'getContext', 'release', 'serve', 'serveUtility', 'serveWorker', 'utilityHost', 'validated', 'webSocketPort', 'workerHost'],
  'sluice/renderer': ['AbortError', 'DisconnectedError', 'ObservableOverflowError', 'ProtocolError', 'ValidationError', 'close', 'connect', 'createClient', 'events', 'isBridged', 'release', 'webSocketPort'],
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
  it('package.json exports map each entry to its ESM and its CommonJS build, each with its own types', () => {
    type Pair = { types: string; default: string }
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, Record<string, unknown>> }
    const both = (dir: string, file = 'index') => ({
      import: { types: `./dist/${dir}/${file}.d.ts`, default: `./dist/${dir}/${file}.js` } satisfies Pair,
      require: { types: `./dist/cjs/${dir}/${file}.d.ts`, default: `./dist/cjs/${dir}/${file}.js` } satisfies Pair,
    })
    expect(pkg.exports['.']).toEqual(both('shared'))
    expect(pkg.exports['./preload']).toEqual(both('preload'))
    expect(pkg.exports['./renderer']).toEqual(both('renderer'))
    // Node (and Electron's main) get main/node.ts, which hands the context AsyncLocalStorage; `node` comes first
    // because conditions match in object order.
    expect(pkg.exports['./main']).toEqual({ node: both('main', 'node'), ...both('main') })
    expect(Object.keys(pkg.exports['./main']!)[0]).toBe('node')
  })
})
