/**
 * The fake utilityProcess behaves as Electron's source says (each case names it), so the utility tests that run
 * on it prove something about Electron: lib/browser/api/utility-process.ts, shell/browser/api/
 * electron_api_utility_process.cc, lib/utility/init.ts, lib/utility/parent-port.ts, shell/services/node/
 * parent_port.cc, spec/api-utility-process-spec.ts.
 */
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { FakeElectron, type FakeMessagePortMain, type FakeUtilityProcess } from './fakes/electron.js'

const HOST_SCRIPT = new URL('./fixtures/utility-host.ts', import.meta.url).href
const electron = new FakeElectron()
const children: FakeUtilityProcess[] = []

function fork(): FakeUtilityProcess {
  const child = electron.utilityProcess.fork(HOST_SCRIPT)
  children.push(child)
  return child
}

afterEach(async () => {
  for (const c of children.splice(0)) if (c.kill()) await once(c, 'exit')
})

/** The next message from the child that is not sluice's own (the host announces itself on the lane). */
function nextAppMessage(child: FakeUtilityProcess): Promise<unknown> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      if (typeof m === 'object' && m !== null && 'sluice' in m) return
      child.off('message', on)
      resolve(m)
    }
    child.on('message', on)
  })
}

describe('the fake utilityProcess, as Electron has it', () => {
  it("throws without an entry script (utility-process.ts: 'Missing UtilityProcess entry script.')", () => {
    expect(() => electron.utilityProcess.fork('')).toThrow('Missing UtilityProcess entry script.')
  })

  it("emits 'spawn', has a pid only while it runs, and queues what is posted before it listens (spec: 'supports queuing messages')", async () => {
    const child = fork()
    expect(child.pid).toBeUndefined()
    const replies: unknown[] = []
    const three = new Promise<void>((resolve) =>
      child.on('message', (m: { echoed?: unknown }) => {
        if (m?.echoed !== undefined && replies.push(m.echoed) === 3) resolve()
      }),
    )
    child.postMessage({ echo: 1 })
    child.postMessage({ echo: 2 })
    child.postMessage({ echo: 3 })
    await once(child, 'spawn')
    expect(child.pid).toEqual(expect.any(Number))
    await three
    expect(replies).toEqual([1, 2, 3])
  })

  it("takes only MessagePortMains in the transfer list ('Port at index N is not a valid port'), and refuses what cannot be cloned", async () => {
    const child = fork()
    const { port1 } = new electron.MessageChannelMain()
    expect(() => child.postMessage('x', [{} as FakeMessagePortMain])).toThrow(new TypeError('Port at index 0 is not a valid port'))
    expect(() => child.postMessage({ f: () => {} })).toThrow('An object could not be cloned.')
    child.postMessage({ echoOn: true }, [port1])
    // DisentanglePorts: the object left in main is neutered, and cannot be sent twice.
    expect(() => child.postMessage('again', [port1])).toThrow(new TypeError('Port at index 0 is not a valid port'))
  })

  it("delivers a transferred port to the child as a MessagePortMain in event.ports (parent_port.cc Accept), which talks to the port's other end", async () => {
    const child = fork()
    const { port1, port2 } = new electron.MessageChannelMain()
    child.postMessage({ echoOn: true }, [port1])
    port2.start()
    const reply = once(port2, 'message')
    port2.postMessage('hello')
    const [event] = (await reply) as [{ data: { echoed: string; kind: string } }]
    // An EventEmitter with start(), not an EventTarget: what lib/browser/message-port-main.ts makes.
    expect(event.data).toEqual({ echoed: 'hello', kind: 'undefined' })
  })

  it("kill() ends it with code 0 (SIGTERM is mapped to 0) and returns true; afterwards kill() is false and postMessage a silent no-op", async () => {
    const child = fork()
    await once(child, 'spawn')
    const exit = once(child, 'exit')
    expect(child.kill()).toBe(true)
    expect(await exit).toEqual([0])
    expect(child.pid).toBeUndefined()
    expect(child.kill()).toBe(false)
    expect(() => child.postMessage('late')).not.toThrow()
  })

  it('a crash exits with a non-zero code, and the ports the child held close on the other side', async () => {
    const child = fork()
    const { port1, port2 } = new electron.MessageChannelMain()
    child.postMessage({ echoOn: true }, [port1])
    port2.start()
    const echoed = once(port2, 'message')
    port2.postMessage('up?')
    await echoed
    const closed = once(port2, 'close')
    const exit = once(child, 'exit')
    child.crash()
    expect((await exit)[0]).not.toBe(0)
    await closed
  })

  it("process.parentPort messages from the app pass both ways ('establishes a default ipc channel')", async () => {
    const child = fork()
    const reply = nextAppMessage(child)
    child.postMessage('ping')
    expect(await reply).toBe('pong')
  })
})
