/**
 * The code `exposeApi()` installs in the page's main world with `contextBridge.executeInMainWorld`. Electron
 * serializes `installMainWorldApi` to its source text and runs it there, so it must be self-contained: no
 * imports, no outer variables, no helpers a compiler could inject. A test evaluates its source text alone.
 *
 * Why main-world code at all: the bridge cannot carry a Proxy (electron_api_context_bridge.cc `IsPlainObject`
 * excludes proxies, and the serializer then refuses them), so an api that answers to any method name must be
 * built in the page. Symbol keys do cross (that file passes symbols through; spec/api-context-bridge-spec.ts
 * "should proxy symbols such that symbol key lookup works"), which is what the Electron < 35 path of
 * expose-api.ts relies on. Here, the handle is built in the page too, so that yields cross in batches.
 */

/** What one call looks like from the main world: functions proxied by the bridge. */
export interface BridgedCall {
  /** The call's outcome (the generator's return value). Settles once; never rejects across the bridge. */
  result(): Promise<BridgedOutcome>
  /** The next batch of yields: everything read ahead so far, or the end, or the error. */
  pull(): Promise<BridgedBatch>
  cancel(): Promise<void>
}

export interface BridgedError {
  name: string
  message: string
}

export interface BridgedOutcome {
  value?: unknown
  error?: BridgedError
}

export interface BridgedBatch {
  items: unknown[]
  done: boolean
  error?: BridgedError
}

export interface Bridge {
  call(path: string[], args: unknown[]): BridgedCall
}

export function installMainWorldApi(key: string, bridge: Bridge): void {
  function rebuild(e: BridgedError): Error {
    const err = new Error(e.message)
    err.name = e.name
    return err
  }
  function makeHandle(call: BridgedCall) {
    let outcome: Promise<unknown> | undefined
    function result(): Promise<unknown> {
      if (outcome === undefined) {
        outcome = call.result().then(function (r) {
          if (r.error) throw rebuild(r.error)
          return r.value
        })
      }
      return outcome
    }
    const handle: Record<string | symbol, unknown> = {
      then: function (onF?: (v: unknown) => unknown, onR?: (e: unknown) => unknown) {
        return result().then(onF, onR)
      },
      catch: function (onR?: (e: unknown) => unknown) {
        return result().then(undefined, onR)
      },
      finally: function (f?: () => void) {
        return result().finally(f)
      },
      cancel: function () {
        return call.cancel()
      },
    }
    handle[Symbol.asyncIterator] = function () {
      let items: unknown[] = []
      let at = 0
      let done = false
      let failure: BridgedError | undefined
      const iterator = {
        next: function (): Promise<IteratorResult<unknown>> {
          if (at < items.length) return Promise.resolve({ value: items[at++], done: false })
          if (failure !== undefined) {
            const f = failure
            failure = undefined
            done = true
            return Promise.reject(rebuild(f))
          }
          if (done) return Promise.resolve({ value: undefined, done: true })
          return call.pull().then(function (batch) {
            items = batch.items
            at = 0
            done = batch.done
            failure = batch.error
            return iterator.next()
          })
        },
        return: function (): Promise<IteratorResult<unknown>> {
          const wasDone = done
          done = true
          items = []
          return (wasDone ? Promise.resolve() : call.cancel()).then(function () {
            return { value: undefined, done: true as const }
          })
        },
        [Symbol.asyncIterator]: function () {
          return iterator
        },
      }
      return iterator
    }
    return handle
  }
  function node(path: string[]): unknown {
    const children: Record<string, unknown> = {}
    return new Proxy(function () {}, {
      get: function (_t, prop) {
        // `then` stays undefined so `await window.api` does not treat the api as a promise.
        if (typeof prop === 'symbol' || prop === 'then') return undefined
        if (!Object.prototype.hasOwnProperty.call(children, prop)) children[prop] = node(path.concat([prop]))
        return children[prop]
      },
      apply: function (_t, _self, args: unknown[]) {
        if (path.length === 0) throw new TypeError('sluice: window.' + key + ' itself is not callable; call one of its methods')
        return makeHandle(bridge.call(path, args))
      },
      set: function () {
        throw new TypeError('sluice: window.' + key + ' is read-only')
      },
    })
  }
  Object.defineProperty(window, key, { value: node([]), enumerable: true })
}
