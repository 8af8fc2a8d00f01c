/**
 * Observables both ways: live search as you type. The page's keystrokes are an RxJS Observable passed to the
 * host; the host debounces them, drops repeats, and answers each query with the words of the sample notes that
 * start with it, as an Observable the page subscribes to. `switchMap` abandons a lookup that a newer query
 * overtakes, so a slow answer never lands after a fresh one.
 *
 * Nothing here subscribes by itself: the page's subscription to the result subscribes the pipeline, which
 * subscribes the page's keystrokes (each a round trip of the same machinery). Unsubscribing on the page tears
 * all of it down, on both sides, once.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { debounceTime, defer, distinctUntilChanged, from, map, type Observable, switchMap, timer } from 'rxjs'
import { getContext, release, type RemoteObservable } from 'sluice/main'
import { runtime } from './runtime'

export interface LiveSearchHit {
  word: string
  /** Times it occurs in the sample notes. */
  count: number
  /** The notes it occurs in. */
  files: string[]
}

export interface LiveSearchAnswer {
  query: string
  hits: LiveSearchHit[]
  /** Queries of this subscription answered so far, this one included. */
  answered: number
  /** Lookups abandoned because a newer query overtook them (switchMap). */
  superseded: number
}

let index: Promise<Map<string, { count: number; files: Set<string> }>> | undefined

/** Every word of the sample notes, with where it occurs: read once, on first use. */
function wordIndex(): Promise<Map<string, { count: number; files: Set<string> }>> {
  return (index ??= (async () => {
    const dir = join(runtime.sampleDir, 'notes')
    const words = new Map<string, { count: number; files: Set<string> }>()
    for (const file of (await readdir(dir)).sort()) {
      const text = await readFile(join(dir, file), 'utf8')
      for (const word of text.toLowerCase().match(/[a-z][a-z'-]{2,}/g) ?? []) {
        const entry = words.get(word) ?? { count: 0, files: new Set<string>() }
        entry.count++
        entry.files.add(file)
        words.set(word, entry)
      }
    }
    return words
  })())
}

/**
 * Answers each query the page types with the sample notes' words that start with it (up to 8, most frequent
 * first). `queries` is the page's Observable: declared as what the host receives (`RemoteObservable`), so the
 * page may pass any Observable of strings. The lookup waits a little (like a real backend) so that fast typing
 * shows `switchMap` abandoning stale lookups.
 */
export function liveSearch(queries: RemoteObservable<string>, latencyMs = 80): Observable<LiveSearchAnswer> {
  // The call lives until the page releases the answer Observable; then let go of the page's keystrokes at once,
  // rather than when this side's garbage collector gets to the proxy.
  getContext().onClose(() => release(queries))
  return defer(() => {
    let answered = 0
    let started = 0
    return from(queries).pipe(
      map((q) => String(q).trim().toLowerCase().slice(0, 40)),
      debounceTime(60),
      distinctUntilChanged(),
      switchMap((query) => {
        started++
        return timer(Math.max(0, Math.min(latencyMs, 2000))).pipe(
          switchMap(async () => {
            const words = await wordIndex()
            const hits: LiveSearchHit[] = []
            if (query.length > 0) {
              for (const [word, { count, files }] of words) if (word.startsWith(query)) hits.push({ word, count, files: [...files] })
            }
            hits.sort((a, b) => b.count - a.count || a.word.localeCompare(b.word))
            answered++
            return { query, hits: hits.slice(0, 8), answered, superseded: started - answered }
          }),
        )
      }),
    )
  })
}
