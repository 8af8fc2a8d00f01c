/**
 * Issue 7: exactly what a peer may call. Own, enumerable data properties holding functions, in the api or in a
 * plain-object namespace inside it. Not a class's static methods, not an exported instance's fields, never a
 * getter (it would run during the lookup).
 */
import { MessageChannel } from 'node:worker_threads'
import { afterEach, describe, expect, it } from 'vitest'
import { createHost } from '../src/main/index.js'
import { createClient } from '../src/renderer/index.js'

const ran: string[] = []

class Store {
  static wipe(): string {
    ran.push('static wipe')
    return 'wiped'
  }
  secret = (): string => {
    ran.push('instance field')
    return 'secret'
  }
  method(): string {
    ran.push('prototype method')
    return 'method'
  }
}

const api = {
  ping: async () => 'pong',
  tools: { deep: { hello: async (name: string) => `hello ${name}` } },
  Store,
  store: new Store(),
  get trap() {
    ran.push('getter')
    return async () => 'trapped'
  },
  hidden: undefined as unknown,
}
Object.defineProperty(api, 'hidden', { value: async () => 'hidden', enumerable: false })

const channels: MessageChannel[] = []
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close()
    c.port2.close()
  }
  ran.length = 0
})

function client() {
  const channel = new MessageChannel()
  channels.push(channel)
  const host = createHost(api)
  host.connect(channel.port1)
  // The client's types cannot reach these members (that is the point), so call through an untyped view.
  return createClient<Record<string, unknown>>(channel.port2) as unknown as Record<string, any>
}

/** What esbuild, tsc and tsx make of `export async function hello()` in CommonJS: a getter per binding. */
function commonJsExports(): object {
  const exports = {}
  Object.defineProperty(exports, '__esModule', { value: true })
  Object.defineProperty(exports, 'hello', { enumerable: true, get: () => async () => 'hello from cjs' })
  return exports
}

/** What esbuild makes of `import * as api` in an ESM bundle: a plain object of non-configurable getters. */
function esbuildNamespace(): object {
  const ns = {}
  Object.defineProperty(ns, 'hello', { enumerable: true, get: () => async () => 'hello from esbuild' })
  return ns
}

describe('what a peer may call', () => {
  it('calls exports of a namespace object as esbuild bundles it (plain, with non-configurable getters)', async () => {
    const channel = new MessageChannel()
    channels.push(channel)
    createHost(esbuildNamespace()).connect(channel.port1)
    const c = createClient<Record<string, unknown>>(channel.port2) as unknown as Record<string, any>
    expect(await c.hello()).toBe('hello from esbuild')
  })

  it('calls exports of a CommonJS module object (getters marked __esModule), as bundlers emit them', async () => {
    const channel = new MessageChannel()
    channels.push(channel)
    createHost(commonJsExports()).connect(channel.port1)
    const c = createClient<Record<string, unknown>>(channel.port2) as unknown as Record<string, any>
    expect(await c.hello()).toBe('hello from cjs')
  })

  it('calls own functions and functions in nested plain namespaces', async () => {
    const c = client()
    expect(await c.ping()).toBe('pong')
    expect(await c.tools.deep.hello('you')).toBe('hello you')
  })

  it.each([
    ['a static method of an exported class', (c: Record<string, any>) => c.Store.wipe()],
    ['an own field of an exported class instance', (c: Record<string, any>) => c.store.secret()],
    ['a prototype method of an exported class instance', (c: Record<string, any>) => c.store.method()],
    ['a function behind a getter', (c: Record<string, any>) => c.trap()],
    ['a non-enumerable own function', (c: Record<string, any>) => c.hidden()],
    ['Object.prototype members', (c: Record<string, any>) => c.hasOwnProperty('ping')],
  ])('refuses %s, and runs none of its code', async (_what, invoke) => {
    const c = client()
    await expect(invoke(c)).rejects.toMatchObject({ name: 'ProtocolError', message: expect.stringMatching(/no method 'api\./) })
    expect(ran).toEqual([])
    expect(await c.ping()).toBe('pong')
  })
})
