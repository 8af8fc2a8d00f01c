/** Observables in the Web Worker host: one returned to the page, one taken from it. Teardowns are counted. */
import { firstValueFrom, from, interval, Observable, take, toArray } from 'rxjs'
import type { RemoteObservable } from 'sluice/main'

const observed = { subscribed: 0, teardowns: 0 }

export function observableProbe() {
  return { ...observed }
}

/** An RxJS interval, counted: the page subscribes and unsubscribes. */
export function observableTicks(): Observable<number> {
  return new Observable<number>((subscriber) => {
    observed.subscribed++
    const inner = interval(2).subscribe(subscriber)
    return () => {
      observed.teardowns++
      inner.unsubscribe()
    }
  })
}

/** Reads `n` items of the page's Observable through RxJS, then unsubscribes it. */
export async function takeFromPage(source: RemoteObservable<number>, n: number): Promise<number[]> {
  return firstValueFrom(from(source).pipe(take(n), toArray()))
}
