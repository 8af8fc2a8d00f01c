/**
 * Typechecks every ```ts block of README.md (the repository's), packages/sluice/README.md and
 * packages/sluice/docs/*.md, as a reader would paste it, against the built package (`sluice`, `sluice/main`...
 * resolve through the workspace link to this package's exports, i.e. dist).
 *
 * - Each block is its own little project. A comment line naming a .ts path (`// src/main/api.ts`, or
 *   `// main: src/main/api.ts`) starts a new file at that path, so a block can show main, preload and
 *   renderer together and `typeof import('../main/api')` is checked for real.
 * - `<!-- snippet: skip <reason> -->` on the line before the fence exempts a block that is not code (a frame's
 *   shape, a signature sketch). Use it sparingly: the reason is printed with every run.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const repo = join(root, '../..')
// Inside node_modules, so that `sluice`, `electron`, `zod` and Node's types resolve as in an app of this workspace.
const work = join(root, 'node_modules/.cache/doc-snippets')
const docs = [join(repo, 'README.md'), join(root, 'README.md'), ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(root, 'docs', f))]
const FILE_MARKER = /^\/\/\s*(?:[\w ]+:\s*)?((?:[\w.-]+\/)*[\w.-]+\.(?:ts|mts|cts))\s*$/

interface Block {
  doc: string
  line: number
  files: Map<string, { text: string; firstLine: number }>
}

const blocks: Block[] = []
const skipped: string[] = []
for (const doc of docs) {
  const lines = readFileSync(doc, 'utf8').split('\n')
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```ts') continue
    let end = i + 1
    while (end < lines.length && lines[end]!.trim() !== '```') end++
    const where = `${relative(repo, doc)}:${i + 1}`
    const skip = /<!--\s*snippet:\s*skip\s+(.+?)\s*-->/.exec(lines[i - 1] ?? '') ?? /<!--\s*snippet:\s*skip\s+(.+?)\s*-->/.exec(lines[i - 2] ?? '')
    if (skip) {
      skipped.push(`${where}: ${skip[1]}`)
    } else {
      const files = new Map<string, { text: string; firstLine: number }>()
      let current = 'snippet.ts'
      for (let j = i + 1; j < end; j++) {
        const marker = FILE_MARKER.exec(lines[j]!.trim())
        if (marker) current = marker[1]!
        const file = files.get(current) ?? { text: '', firstLine: j + 1 }
        if (!files.has(current)) files.set(current, file)
        // Keep line numbers: a line that belongs to another file is blank here.
        file.text += `${'\n'.repeat(Math.max(0, j - (file.firstLine + file.text.split('\n').length - 1)))}${lines[j]}\n`
      }
      blocks.push({ doc, line: i + 1, files })
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
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const r = spawnSync(process.execPath, [tsc, '-p', '.', '--pretty', 'false'], { cwd: work, encoding: 'utf8' })
const errors = `${r.stdout}${r.stderr}`
  .split('\n')
  .filter((l) => /error TS/.test(l))
  .map((l) => {
    const m = /^(.+?)\((\d+),(\d+)\): (.*)$/.exec(l)
    const o = m && origin.get(m[1]!)
    return o ? `${o.where}:${o.firstLine + Number(m![2]) - 1}: ${m![4]}` : l
  })
for (const s of skipped) console.log(`check-doc-snippets: skipped ${s}`)
if (errors.length > 0) {
  console.error(`check-doc-snippets: ${errors.length} error(s) in ${blocks.length} blocks:\n  ${errors.join('\n  ')}`)
  process.exit(1)
}
console.log(`check-doc-snippets: ${blocks.length} blocks typecheck (${skipped.length} skipped)`)
