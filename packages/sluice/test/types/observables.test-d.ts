/** Type tests for Observables across the boundary. Checked by tsc, never executed. */
import { BehaviorSubject, from, interval, map, type Observable, Subject } from 'rxjs'
import { expectTypeOf } from 'vitest'
import type { Client, ObservableLike, Remote, RemoteObservable } from '../../src/shared/index.js'

declare const api: {
  ticks(ms: number): Promise<Observable<number>>
  feed(): Subject<{ at: Date; text: string }>
  state(): BehaviorSubject<string>
  search(queries: RemoteObservable<string>): Promise<Observable<string[]>>
  drain(source: ObservableLike<number>): Promise<number[]>
  nested(): Promise<{ live: Observable<bigint>; label: string }>
  gen(): AsyncGenerator<Observable<number>, void>
  bag(events: { subscribe: (cb: (n: number) => void) => () => void }): Promise<void>
}
declare const client: Client<typeof api>

async function uses() {
  // A returned Observable arrives as a RemoteObservable of its items, whatever Observable class it was.
  const ticks = await client.ticks(10)
  expectTypeOf(ticks).toEqualTypeOf<RemoteObservable<number>>()
  expectTypeOf(client.feed()).toEqualTypeOf<Promise<RemoteObservable<{ at: Date; text: string }>>>()
  expectTypeOf(client.state()).toEqualTypeOf<Promise<RemoteObservable<string>>>()

  // subscribe takes an observer or a next function, and returns an unsubscribe.
  const sub = ticks.subscribe({ next: (n) => expectTypeOf(n).toEqualTypeOf<number>(), error: (e) => expectTypeOf(e).toBeUnknown() })
  sub.unsubscribe()
  expectTypeOf(sub.closed).toEqualTypeOf<boolean>()
  ticks.subscribe((n) => expectTypeOf(n).toEqualTypeOf<number>())
  // @ts-expect-error -- the items are numbers
  ticks.subscribe((n: string) => n)

  // rxjs.from() takes it, and for await reads it.
  expectTypeOf(from(ticks)).toEqualTypeOf<Observable<number>>()
  for await (const n of ticks) expectTypeOf(n).toEqualTypeOf<number>()

  // An Observable argument: a RemoteObservable parameter (what the host receives) takes any Observable here.
  await client.search(interval(100).pipe(map(String)))
  await client.search(new Subject<string>())
  await client.search(ticks as unknown as RemoteObservable<string>)
  // @ts-expect-error -- an Observable of numbers is not one of strings
  await client.search(interval(100))
  await client.drain(interval(100))
  // @ts-expect-error -- a plain value is not an Observable
  await client.drain(42)

  // Nested in a result, and yielded.
  const nested = await client.nested()
  expectTypeOf(nested.live).toEqualTypeOf<RemoteObservable<bigint>>()
  for await (const inner of client.gen()) expectTypeOf(inner).toEqualTypeOf<RemoteObservable<number>>()

  // A bag of callbacks with a subscribe member stays a bag of callbacks.
  await client.bag({ subscribe: () => () => {} })
  expectTypeOf<Remote<{ subscribe: (cb: (n: number) => void) => () => void }>>().toEqualTypeOf<{ subscribe: (cb: (n: number) => void) => Promise<() => Promise<void>> }>()
}
void uses
