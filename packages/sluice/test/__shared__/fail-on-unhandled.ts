/**
 * Makes an unhandled rejection or an uncaught exception fail the test during which it happened.
 *
 * Vitest 4.1 on its own reports these as "Unhandled Rejection" / "Uncaught Exception" errors and exits 1,
 * but it marks every test and every file as passed, so the report points at no test and a reader skimming
 * the summary sees green. A host that leaks one rejection per hostile frame is exactly the bug we must
 * see, so here it fails the test in which it surfaced (or the file, if it surfaced after the last test).
 */
import { afterAll, afterEach } from 'vitest'

const seen: { kind: string; error: unknown }[] = []

process.on('unhandledRejection', (reason) => void seen.push({ kind: 'unhandled rejection', error: reason }))
process.on('uncaughtException', (error) => void seen.push({ kind: 'uncaught exception', error }))

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`
  try {
    return String(e)
  } catch {
    return Object.prototype.toString.call(e)
  }
}

async function check(when: string): Promise<void> {
  // Node reports an unhandled rejection only after the microtask queue drains, so give it one turn.
  await new Promise((resolve) => setImmediate(resolve))
  if (seen.length === 0) return
  const found = seen.splice(0)
  const list = found.map((f) => `  ${f.kind}: ${describeError(f.error)}`).join('\n')
  throw new Error(`${found.length} unhandled error(s) ${when}:\n${list}`, { cause: found[0]!.error })
}

afterEach(() => check('during this test'))
afterAll(() => check('after the last test of this file'))
