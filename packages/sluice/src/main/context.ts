/**
 * `getContext()`: which peer is calling, the call's AbortSignal, and `onClose`.
 *
 * Where Node's AsyncLocalStorage exists (Electron's main process, Node, utility processes) the context
 * follows the handler across every `await`. This module never imports it, so that it still loads in a browser
 * Web Worker. It is found with `process.getBuiltinModule` (Node ≥ 20.16 / 22.3, so Electron ≥ 32), or handed
 * in with `useAsyncLocalStorage()` by main-side code that knows it runs in Node: the `node` entry
 * (main/node.ts) and serve(), which covers Electron 30–31's Node. Without it, the context is only visible
 * synchronously: before a handler's first `await`, and in each generator step.
 */
export interface Peer {
  /** The connection id, unique within the host. */
  readonly id: number
  /** Whatever was passed to `host.connect(port, peer)`; in Electron: `webContentsId`, `url`, `origin`, `frameId`. */
  readonly [key: string]: unknown
}

export interface CallContext {
  /** Who is calling. */
  readonly peer: Peer
  /** The dotted name of the method being run, e.g. `files.process`. */
  readonly method: string
  /**
   * Aborts the moment the caller cancels (`cancel()`, `break`, an AbortSignal) or goes away, even while the
   * handler is suspended in an `await`. Pass it to fetch, fs and timers so long I/O stops at once.
   */
  readonly signal: AbortSignal
  /**
   * Runs `fn` once when the call ends. `reason` is `undefined` for a normal end, an `AbortError` for a
   * cancellation or an `Abort(value)`, a `DisconnectedError` when the peer went away, and the error otherwise.
   */
  onClose(fn: (reason?: unknown) => void): void
}

interface ContextStore {
  run<T>(ctx: CallContext, fn: () => T): T
  get(): CallContext | undefined
}

/** Node's `AsyncLocalStorage` class, as far as the context uses it. */
export type AsyncLocalStorageClass = new <T>() => { run<R>(store: T, fn: () => R): R; getStore(): T | undefined }
type ALS = AsyncLocalStorageClass

function findAsyncLocalStorage(): ALS | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  const mod = proc?.getBuiltinModule?.('node:async_hooks') as { AsyncLocalStorage?: ALS } | undefined
  return mod?.AsyncLocalStorage
}

function createStore(Als: ALS | undefined): ContextStore {
  if (Als !== undefined) {
    const als = new Als<CallContext>()
    return { run: (ctx, fn) => als.run(ctx, fn), get: () => als.getStore() }
  }
  let current: CallContext | undefined
  return {
    run(ctx, fn) {
      const saved = current
      current = ctx
      try {
        return fn()
      } finally {
        current = saved
      }
    },
    get: () => current,
  }
}

const found = findAsyncLocalStorage()
let store: ContextStore = createStore(found)

/** The current store, behind a stable object: useAsyncLocalStorage() may swap what it delegates to. */
export const contextStore: ContextStore = {
  run: (ctx, fn) => store.run(ctx, fn),
  get: () => store.get(),
}

/** True when the context survives `await` (AsyncLocalStorage is available). A live binding: see below. */
export let contextFollowsAwait = found !== undefined

/**
 * Hands the context Node's AsyncLocalStorage, for runtimes where `process.getBuiltinModule` cannot find it.
 * Main-side code that knows it runs in Node calls it once, before the first call is served; later calls do
 * nothing. A call already running keeps the store it started with.
 */
export function useAsyncLocalStorage(Als: ALS): void {
  if (contextFollowsAwait) return
  store = createStore(Als)
  contextFollowsAwait = true
}

/**
 * Process: Main (any host).
 * Inside a handler: who is calling (`peer`), the call's `signal` (aborts the moment the caller cancels or goes
 * away), `onClose(fn)`, and `method`. Throws a clear error when called outside a handler.
 * @see sluice/docs/api.md#getcontext
 */
export function getContext(): CallContext {
  const ctx = contextStore.get()
  if (ctx === undefined) {
    throw new Error(
      contextFollowsAwait
        ? 'sluice: getContext() was called outside a handler. Call it inside a function that sluice is running.'
        : 'sluice: getContext() was called outside a handler, or after an await. Without AsyncLocalStorage, call it before the first await.',
    )
  }
  return ctx
}
