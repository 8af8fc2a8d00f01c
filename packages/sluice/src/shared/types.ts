/**
 * The mapping from a host api's type to its client's type, done in the types alone (no codegen).
 * Types only: nothing here exists at run time.
 *
 * `Remote<T>` is what a value sent by the other side becomes here; `ClientReturn` and `ClientFunction` apply it
 * to a host function's result; `Client` maps a whole api.
 */
import type { ChannelEnd } from './channel.js'
import type { Download, RemoteDownload, RemoteFile } from './refs/blobs.js'

/**
 * Process: Renderer (any client).
 * What a main-process `async function*` (or any function returning an AsyncIterable) becomes on the client:
 * - `for await (const y of call)` receives the yields, in order, with flow control;
 * - `await call` gives the generator's return value (its yields are then dropped as they arrive);
 * - `call.cancel()` (or `break`) stops the generator on the host: its `finally` runs exactly once.
 * Iterate first and then await, never the other way round.
 * @see sluice/docs/api.md#streamcall
 */
export interface StreamCall<Y, R = void> extends PromiseLike<R>, AsyncIterable<Y> {
  /** Stops the stream. Settles at once on this side: the iterator ends and `await` rejects with an `AbortError`. */
  cancel(): Promise<void>
  /**
   * The yields as a plain (non-thenable) async iterator. Use it where a library awaits what you hand it before
   * iterating (TanStack Query's `streamedQuery`): awaiting a StreamCall gives its return value instead.
   */
  values(): AsyncIterableIterator<Y>
  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<R | B>
  finally(onfinally?: (() => void) | null): Promise<R>
}

/**
 * Process: any.
 * What sluice takes for an Observable in types: `subscribe` takes an observer (or a `next` function) and returns
 * something with `unsubscribe()`. RxJS's `Observable` and `Subject`, zen-observable and `RemoteObservable` all
 * fit. At run time the value must also have the interop method (`[Symbol.observable]` or `'@@observable'`),
 * which every Observable library defines; a plain `{ subscribe }` object stays a bag of callbacks. Declare a
 * handler's Observable parameters with it (a `RemoteObservable` parameter is mapped to it for the caller).
 * @see sluice/docs/primitives.md#observables
 */
export interface ObservableLike<T> {
  subscribe(observer: Partial<{ next: (value: T) => void; error: (error: unknown) => void; complete: () => void }> | ((value: T) => void)): { unsubscribe(): void }
}

/**
 * Process: any.
 * An Observable sent by the other side, as it arrives here. Each `subscribe` subscribes the source over there
 * (cold, one source subscription per subscriber, as in RxJS); `unsubscribe()` tears it down there, once.
 * `complete` and `error` cross (errors keep their class and message); the peer going away errors it with a
 * `DisconnectedError`. `rxjs.from(x)` takes it (it has the interop method), and `for await` reads it with flow
 * control. It is held over there until released here: `release(x)`, or garbage collection.
 * @see sluice/docs/primitives.md#observables
 */
export interface RemoteObservable<T> extends ObservableLike<T>, AsyncIterable<T> {
  subscribe(
    observer?: Partial<{ next: (value: T) => void; error: (error: unknown) => void; complete: () => void }> | ((value: T) => void) | null,
    error?: (error: unknown) => void,
    complete?: () => void,
  ): { unsubscribe(): void; readonly closed: boolean }
  /** The interop method: returns this Observable (what `rxjs.from()` looks for). */
  '@@observable'(): RemoteObservable<T>
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the widest function type, for matching only
type AnyFunction = (...args: any[]) => any

/**
 * What a value sent by the other side becomes here. Data is copied, so it keeps its type; functions become
 * async callables (each call is a round trip); promises, ReadableStreams and channel ends stay what they are
 * (a channel end's methods run locally and talk to the other end by themselves); any other AsyncIterable (an
 * async generator too) arrives as an async iterator of its items, flow-controlled: its return value does not
 * cross. ReadableStream comes before AsyncIterable, since Node's ReadableStream is async-iterable too.
 */
export type Remote<T> = T extends ReadableStream<infer C>
  ? ReadableStream<C>
  : T extends Blob | Download | RemoteFile
    ? RemoteBlob<T>
  : T extends ChannelEnd<infer S, infer R, infer SA, infer RA>
    ? ChannelEnd<S, R, SA, RA>
    : T extends ObservableLike<infer O>
      ? RemoteObservable<Remote<O>>
      : T extends PromiseLike<infer V>
      ? Promise<Remote<V>>
      : T extends AnyFunction
        ? RemoteFunction<T>
        : T extends AsyncIterable<infer Y>
          ? AsyncIterableIterator<Remote<Y>>
          : T extends readonly unknown[]
            ? { [K in keyof T]: Remote<T[K]> }
            : T extends Date | RegExp | Map<unknown, unknown> | Set<unknown> | ArrayBuffer | ArrayBufferView
              ? T
              : T extends object
                ? { [K in keyof T]: Remote<T[K]> }
                : T

/**
 * What a Blob-like value sent by the host becomes in the page: a Blob or File stays itself, wherever it sits
 * (its bytes are read before the value holding it is delivered: see refs/arrivals.ts), a file the host received and passes back is a Blob again, and a host's
 * `download(...)` is a `RemoteDownload`, read lazily.
 */
export type RemoteBlob<T> = T extends Download ? RemoteDownload : T extends RemoteFile ? Blob : T

/**
 * What the client passes for a host parameter of type `T`: a `RemoteFile` parameter takes the page's `Blob` or
 * `File` (anywhere in plain objects and arrays); everything else is passed as its own type.
 */
export type Sendable<T> = T extends RemoteFile
  ? Blob
  : T extends AnyFunction | Date | RegExp | Map<unknown, unknown> | Set<unknown> | ArrayBuffer | ArrayBufferView | Blob | ReadableStream<unknown> | PromiseLike<unknown> | AsyncIterable<unknown> | AbortSignal
    ? T
    : T extends object
      ? { [K in keyof T]: Sendable<T[K]> }
      : T

/** A function that lives on the other side: calling it is a round trip, so it always returns a promise. */
export type RemoteFunction<F extends AnyFunction> = (...args: Parameters<F>) => Promise<Remote<Awaited<ReturnType<F>>>>

/**
 * What the client gets for a host function's return type `Ret`. The host awaits what the handler returns and
 * then looks at it once, so the type classifies `Awaited<Ret>` once, by the same rules, in the same order:
 * - `never` (the handler always throws): `Promise<never>`;
 * - a ReadableStream: `Promise<ReadableStream>`, checked first because Node's ReadableStream is async-iterable;
 * - an async generator: `StreamCall<yield, return>`;
 * - any other AsyncIterable: `StreamCall<item, void>`;
 * - anything else: `Promise` of what that value becomes here (`Remote`).
 * So `async () => someAsyncIterable` streams, exactly as it does at run time.
 */
export type ClientReturn<Ret> = Classified<Awaited<Ret>>

/** `ClientReturn`'s one classification of an awaited value (see there). */
type Classified<V> = [V] extends [never]
  ? Promise<never>
  : [V] extends [ReadableStream<infer C>]
    ? Promise<ReadableStream<C>>
    : [V] extends [ObservableLike<infer O>]
      ? Promise<RemoteObservable<Remote<O>>>
      : [V] extends [AsyncGenerator<infer Y, infer R, infer _N>]
      ? StreamCall<Remote<Y>, Remote<R>>
      : [V] extends [AsyncIterable<infer Y>]
        ? StreamCall<Remote<Y>, void>
        : Promise<Remote<V>>

/**
 * What the client calls for a host function `F`: the same parameters, and `ClientReturn` of its result. A
 * parameter the handler declares as `RemoteObservable<T>` (what it receives) takes any `ObservableLike<T>`.
 */
export type ClientFunction<F extends AnyFunction> = (...args: LocalArgs<Parameters<F>>) => ClientReturn<ReturnType<F>>

/**
 * `ClientFunction`'s parameters, as the client may pass them: `RemoteObservable<T>` becomes `ObservableLike<T>`,
 * and a `RemoteFile` anywhere becomes the `Blob` or `File` it is made from (`Sendable`).
 */
type LocalArgs<P extends unknown[]> = { [K in keyof P]: P[K] extends RemoteObservable<infer O> ? ObservableLike<O> : Sendable<P[K]> }

/** Keys of `Api` that the client can reach: functions, and nested objects of functions. */
type CallableKeys<Api> = {
  [K in keyof Api]: K extends string ? (Api[K] extends AnyFunction ? K : Api[K] extends object ? (Api[K] extends readonly unknown[] ? never : K) : never) : never
}[keyof Api]

/**
 * Process: Renderer (any client).
 * The client type of a host api: `Client<typeof import('../main/api')>`. Async functions stay async, sync ones
 * become async, generators become `StreamCall`s, functions returning a ReadableStream give
 * `Promise<ReadableStream>`, and nested objects of functions become nested clients.
 * @see sluice/docs/api.md#client
 */
export type Client<Api> = {
  readonly [K in CallableKeys<Api>]: Api[K] extends AnyFunction ? ClientFunction<Api[K]> : Client<Api[K]>
}
