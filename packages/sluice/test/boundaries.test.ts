/**
 * Each side imports only itself and shared/, and the core never imports electron or Node built-ins, so it runs
 * in a renderer, a browser Worker, a utility process or plain Node. Checked on the source text of every module.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../src/', import.meta.url))

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))
}

/** Every module specifier a file imports or re-exports (static imports, `import type`, dynamic `import()`). */
function importsOf(file: string): string[] {
  // Comments often show usage (`typeof import('../main/api')`): only code counts.
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/[^\n]*/g, '$1')
  const patterns = [
    /(?:^|\n)\s*(?:import|export)\s[^'";]*?\sfrom\s*['"]([^'"]+)['"]/g, // import … from 'x' (also multi-line)
    /(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g, // import 'x'
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g, // import('x')
    /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g, // require('x')
  ]
  return patterns.flatMap((re) => [...text.matchAll(re)].map((m) => m[1]!))
}

const all = files(root).map((f) => ({ file: relative(root, f), imports: importsOf(f) }))
const side = (f: string) => f.split('/')[0]!

/** Modules allowed to reach Electron (they are the Electron wiring, not the core). */
const ELECTRON_WIRING = new Set(['main/electron.ts', 'preload/bridge.ts', 'preload/expose-api.ts', 'preload/request-port.ts'])

/** The one module allowed a Node built-in: sluice/main for Node. */
const NODE_ENTRY = 'main/node.ts'

describe('module boundaries', () => {
  it('found the sources', () => {
    expect(all.length).toBeGreaterThan(15)
    expect(all.some((m) => m.imports.length > 0)).toBe(true)
  })

  it('shared/ imports no side', () => {
    for (const m of all.filter((x) => side(x.file) === 'shared')) {
      for (const spec of m.imports) expect(spec, `${m.file} imports ${spec}`).not.toMatch(/^\.\.\/(main|renderer|preload)\//)
    }
  })

  it('main/ imports neither renderer/ nor preload/', () => {
    for (const m of all.filter((x) => side(x.file) === 'main')) {
      for (const spec of m.imports) expect(spec, `${m.file} imports ${spec}`).not.toMatch(/^\.\.\/(renderer|preload)\//)
    }
  })

  it('renderer/ imports neither main/ nor preload/, nor electron', () => {
    for (const m of all.filter((x) => side(x.file) === 'renderer')) {
      for (const spec of m.imports) {
        expect(spec, `${m.file} imports ${spec}`).not.toMatch(/^\.\.\/(main|preload)\//)
        expect(spec, `${m.file} imports ${spec}`).not.toMatch(/^electron/)
      }
    }
  })

  it('preload/ imports nothing from main/', () => {
    for (const m of all.filter((x) => side(x.file) === 'preload')) {
      for (const spec of m.imports) expect(spec, `${m.file} imports ${spec}`).not.toMatch(/^\.\.\/main\//)
    }
  })

  it('the value layer and the stream driver import no ref kind: refs/ builds on codec.ts, not the reverse', () => {
    // codec.ts decides what travels by reference; each refs/<kind>.ts implements one kind on top of it. A shape
    // predicate both need (isObservable) lives beside the codec (shared/observable-like.ts), not in a kind.
    for (const m of all.filter((x) => x.file === 'shared/codec.ts' || x.file === 'main/stream.ts')) {
      for (const spec of m.imports) expect(spec, `${m.file} imports ${spec}`).not.toMatch(/(^|\/)refs\//)
    }
  })

  it('nothing but the Electron wiring imports electron, and nothing but the Node entry imports a Node built-in', () => {
    for (const m of all) {
      for (const spec of m.imports) {
        // main/node.ts is the `node` export condition of sluice/main: it exists to import AsyncLocalStorage
        // statically (Electron 30–31's Node has no process.getBuiltinModule), and nothing imports it.
        if (m.file === NODE_ENTRY && spec === 'node:async_hooks') continue
        expect(spec, `${m.file} imports ${spec}`).not.toMatch(/^node:|^(fs|path|os|events|worker_threads|module|crypto|url|async_hooks)$/)
        if (!ELECTRON_WIRING.has(m.file)) expect(spec, `${m.file} imports ${spec}`).not.toMatch(/^electron/)
      }
    }
  })

  it('no module imports the Node entry, so the core and every other entry stay free of Node built-ins', () => {
    for (const m of all) for (const spec of m.imports) expect(spec, `${m.file} imports ${spec}`).not.toMatch(/(^|\/)node\.js$/)
  })

  it('the only third-party packages are superjson and type-only standard-schema', () => {
    const thirdParty = new Set(all.flatMap((m) => m.imports.filter((s) => !s.startsWith('.') && !s.startsWith('node:'))))
    expect([...thirdParty].sort()).toEqual(['@standard-schema/spec', 'electron', 'superjson'])
  })
})
