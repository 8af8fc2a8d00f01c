/**
 * The untyped proxy behind every client. `api.a.b(x)` walks to the path ['a', 'b'] and calls `invoke`.
 * Special cases, each for a reason:
 * - `then` is `undefined` at every level, so `await api`, `return api` from an async function, and
 *   `Promise.resolve(api)` do not mistake the proxy for a promise. Only a call's result is thenable.
 * - Symbol keys are `undefined` (util.inspect, Symbol.toPrimitive, Symbol.iterator...), except the one that
 *   hands back the connection for `close()`/`onEvent()`.
 * - Child proxies are cached per key, so hot paths (`api.tick()` in a loop) do not allocate a proxy per call.
 */
/** What a proxy calls into: one connection (createClient), or a router over several (connect(), routes.ts). */
export interface ProxyTarget {
  call(path: string[], args: unknown[]): unknown
  on(name: string, fn: (payload: unknown) => void): () => void
  close(error?: Error): void
  /** Counters for tests and benchmarks: calls in flight, live refs, posts made (main's, for a router). */
  stats(): { calls: number; refs: number; posts: number }
}

export const CONNECTION: unique symbol = Symbol('sluice.connection')

export function createProxy(conn: ProxyTarget, path: string[] = []): unknown {
  const children = new Map<string, unknown>()
  return new Proxy(function sluiceClient() {}, {
    get(_target, key) {
      if (key === CONNECTION) return conn
      if (typeof key === 'symbol' || key === 'then') return undefined
      let child = children.get(key)
      if (child === undefined) children.set(key, (child = createProxy(conn, [...path, key])))
      return child
    },
    apply(_target, _this, args: unknown[]) {
      if (path.length === 0) throw new TypeError('sluice: the client itself is not callable; call one of its methods')
      return conn.call(path, args)
    },
    set() {
      throw new TypeError('sluice: a client is read-only')
    },
  })
}

export function connectionOf(client: unknown): ProxyTarget {
  const conn = (client as { [CONNECTION]?: ProxyTarget } | null)?.[CONNECTION]
  if (conn === undefined) throw new TypeError('sluice: expected a client made by createClient() or connect()')
  return conn
}
