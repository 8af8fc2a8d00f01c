/**
 * Prints the top self-time entries of each .cpuprofile in a directory (what `--cpu-prof-dir` wrote, one file
 * per thread), grouped by function and source line, plus the share of each top-level category.
 *   node --import tsx bench/top.ts <dir> [count]
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[] }

const [dir, countArg] = process.argv.slice(2)
if (!dir) throw new Error('usage: bench/top.ts <dir> [count]')
const count = Number(countArg ?? 15)
for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const self = new Map<string, number>()
  let total = 0
  p.samples.forEach((id, i) => {
    const n = byId.get(id)!
    const dt = p.timeDeltas[i] ?? 0
    const { functionName, url, lineNumber } = n.callFrame
    const where = url ? `${url.replace(/^.*\/(bench\/\.build\/|node_modules\/|node:)/, '$1')}:${lineNumber + 1}` : ''
    const key = `${functionName || '(anonymous)'} ${where}`.trim()
    self.set(key, (self.get(key) ?? 0) + dt)
    total += dt
  })
  const idle = [...self].filter(([k]) => k.startsWith('(idle)')).reduce((s, [, v]) => s + v, 0)
  console.log(`\n${file}: ${(total / 1e6).toFixed(2)} s sampled, ${((idle / total) * 100).toFixed(0)}% idle; top self time (% of busy)`)
  for (const [k, v] of [...self].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, count)) {
    console.log(`  ${((v / (total - idle)) * 100).toFixed(1).padStart(5)}%  ${k}`)
  }
}
