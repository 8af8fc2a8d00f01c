/**
 * Typechecks every ```ts block of README.md (the repository's), examples/showcase/README.md (when there is one),
 * packages/sluice/README.md and packages/sluice/docs/*.md, as a reader would paste it, against the built package
 * (`sluice`, `sluice/main`... resolve through the workspace link to this package's exports, i.e. dist: run
 * `npm run build` first).
 *
 * - Each block is its own little project. A comment line naming a .ts path (`// src/main/api.ts`,
 *   `// main: src/main/api.ts`, `// src/main/api.ts (a note)` or `// main (src/main/index.ts), a note`) starts a
 *   new file at that path, so a block can show main, preload and renderer together and
 *   `typeof import('../main/api')` is checked for real.
 * - `<!-- snippet: skip <reason> -->` on the line before the fence exempts a block that is not code (a frame's
 *   shape, a signature sketch). `<!-- snippet: skip-section <reason> -->` exempts every ```ts block after it up
 *   to the next heading of its section's level or above (protocol.md's frames, whose fences must follow their
 *   headings directly). Use them sparingly: each skipped block and its reason are printed with every run.
 * - `<!-- snippet: continues the block above -->` checks a block in the same project as the previous checked
 *   block of its page, so it can import the files that block showed (a page's half of a main-side example).
 * - All blocks are one tsc program (one per block would take minutes). An error prints as `doc:line: message`.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const repo = join(root, '../..')
// Inside node_modules, so that `sluice`, `electron`, `zod` and Node's types resolve as in an app of this workspace.
const work = join(root, 'node_modules/.cache/doc-snippets')
const docs = [
  join(repo, 'README.md'),
  join(repo, 'examples/showcase/README.md'),
  join(root, 'README.md'),
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => join(root, 'docs', f)),
].filter((doc) => existsSync(doc))
const PATH = String.raw`((?:[\w.-]+\/)*[\w.-]+\.(?:ts|mts|cts))`
// `// [label:] path [(note)]`, or `// label (path)[, note]`.
const FILE_MARKER = new RegExp(String.raw`^\/\/\s*(?:(?:[\w ]+:\s*)?${PATH}(?:\s+\(.*\))?|[\w ]+\(${PATH}\).*)\s*$`)
const SKIP = /<!--\s*snippet:\s*skip\s+(.+?)\s*-->/
const SKIP_SECTION = /<!--\s*snippet:\s*skip-section\s+(.+?)\s*-->/
const CONTINUES = /<!--\s*snippet:\s*continues\b.*-->/
const HEADING = /^(#{1,6})\s/

interface Block {
  doc: string
  line: number
  files: Map<string, { text: string; firstLine: number }>
}

const blocks: Block[] = []
const skipped: { doc: string; line: number; reason: string }[] = []
let checked = 0
for (const doc of docs) {
  const lines = readFileSync(doc, 'utf8').split('\n')
  let level = 0 // the level of the heading the text is under
  let section: { level: number; reason: string } | undefined // an open skip-section
  for (let i = 0; i < lines.length; i++) {
    const heading = HEADING.exec(lines[i]!)
    if (heading) {
      level = heading[1]!.length
      if (section && level <= section.level) section = undefined
    }
    const sectionSkip = SKIP_SECTION.exec(lines[i]!)
    if (sectionSkip) section = { level, reason: sectionSkip[1]! }
    if (!lines[i]!.trim().startsWith('```')) continue
    let end = i + 1
    while (end < lines.length && lines[end]!.trim() !== '```') end++
    if (lines[i]!.trim() !== '```ts') {
      i = end // another language: its `#` lines are no headings
      continue
    }
    const where = `${relative(repo, doc)}:${i + 1}`
    const skip = SKIP.exec(lines[i - 1] ?? '') ?? SKIP.exec(lines[i - 2] ?? '')
    if (skip || section) {
      skipped.push({ doc: relative(repo, doc), line: i + 1, reason: skip ? skip[1]! : section!.reason })
    } else {
      const files = new Map<string, { text: string; firstLine: number }>()
      const text = new Map<string, string[]>()
      let current = 'snippet.ts'
      for (let j = i + 1; j < end; j++) {
        const marker = FILE_MARKER.exec(lines[j]!.trim())
        if (marker) current = (marker[1] ?? marker[2])!
        if (!files.has(current)) files.set(current, { text: '', firstLine: j + 1 })
        // Keep line numbers: a line that belongs to another file is blank here.
        const own = text.get(current) ?? []
        own[j + 1 - files.get(current)!.firstLine] = lines[j]!
        text.set(current, own)
      }
      for (const [path, file] of files) file.text = `${Array.from(text.get(path)!, (l) => l ?? '').join('\n')}\n`
      checked++
      const previous = blocks.at(-1)
      if (CONTINUES.test(lines[i - 1] ?? '') || CONTINUES.test(lines[i - 2] ?? '')) {
        if (previous?.doc !== doc) throw new Error(`${where}: "snippet: continues" but no checked block above it on this page`)
        for (const [path, file] of files) {
          if (previous.files.has(path)) throw new Error(`${where}: ${path} is already a file of the block it continues`)
          previous.files.set(path, file)
        }
      } else blocks.push({ doc, line: i + 1, files })
    }
    i = end
  }
}

rmSync(work, { recursive: true, force: true })
const origin = new Map<string, { where: string; firstLine: number }>()
const include: string[] = []
blocks.forEach((b, n) => {
  for (const [path, { text, firstLine }] of b.files) {
    const file = join(work, `b${n}`, path)
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, text)
    include.push(relative(work, file))
    origin.set(relative(work, file), { where: relative(repo, b.doc), firstLine })
  }
})
writeFileSync(
  join(work, 'tsconfig.json'),
  JSON.stringify({
    compilerOptions: {
      target: 'ES2022', lib: ['ES2023', 'DOM', 'DOM.Iterable'], module: 'ESNext', moduleResolution: 'Bundler', moduleDetection: 'force',
      strict: true, skipLibCheck: true, noEmit: true, types: ['node'], allowJs: false,
    },
    files: include,
  }),
)
const started = performance.now()
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const r = spawnSync(process.execPath, [tsc, '-p', '.', '--pretty', 'false'], { cwd: work, encoding: 'utf8' })
// One diagnostic per `file(line,col): error TSxxxx: ...` line; a message's elaboration follows on indented lines.
const errors: string[] = []
for (const l of `${r.stdout}${r.stderr}`.split('\n')) {
  const m = /^(.+?)\((\d+),(\d+)\): (error TS.*)$/.exec(l)
  if (m) {
    const o = origin.get(m[1]!.replaceAll('\\', '/'))
    errors.push(o ? `${o.where}:${o.firstLine + Number(m[2]) - 1}:${m[3]}: ${m[4]}` : l)
  } else if (/error TS/.test(l)) errors.push(l)
  else if (/^\s+\S/.test(l) && errors.length > 0) errors[errors.length - 1] += `\n    ${l.trim()}`
}
// One line per page and reason: `skipped docs/protocol.md:123, 147, 166: reason`.
const byReason = new Map<string, string[]>()
for (const { doc, line, reason } of skipped) byReason.set(`${doc}\0${reason}`, [...(byReason.get(`${doc}\0${reason}`) ?? []), String(line)])
for (const [key, lines] of byReason) {
  const [doc, reason] = key.split('\0')
  console.log(`check-doc-snippets: skipped ${doc}:${lines.join(', ')}: ${reason}`)
}
if (errors.length > 0 || r.status !== 0) {
  if (errors.length === 0) errors.push(`tsc exited with ${r.status ?? r.signal}:`, `${r.stdout}${r.stderr}`.trim())
  console.error(`check-doc-snippets: ${errors.length} error(s) in ${checked} blocks (files under ${relative(repo, work)}):\n  ${errors.join('\n  ')}`)
  process.exit(1)
}
console.log(`check-doc-snippets: ${checked} blocks typecheck, ${skipped.length} skipped (${Math.round(performance.now() - started)} ms)`)
