/**
 * Type tests (checked by `tsc --noEmit`, never run): the process surfaces that utilityHost(), workerHost(),
 * serveUtility() and serveWorker() declare are faithful (the real Electron and Node classes fit them, and so
 * does the fake), and a renderer's Api for routed namespaces is a merge of the modules' own types.
 */
import type { Worker } from 'node:worker_threads'
import type { ParentPortLike, RemoteHost, UtilityProcessLike, WorkerLike, WorkerParentPortLike } from '../src/main/index.js'
import { serve, serveUtility, serveWorker, utilityHost, workerHost } from '../src/main/index.js'
import type { Client, StreamCall } from '../src/renderer/index.js'
import type { FakeUtilityProcess } from './fakes/electron.js'
import type * as FilesApi from './fixtures/utility-api.js'

// Electron's UtilityProcess, from utilityProcess.fork(), is what utilityHost() takes.
declare const child: Electron.UtilityProcess
export const childFits: UtilityProcessLike = child
export const files: RemoteHost<UtilityProcessLike, typeof FilesApi> = utilityHost<typeof FilesApi>(child)
// ...and the fake that the unit tests fork.
declare const fakeChild: FakeUtilityProcess
export const fakeFits: UtilityProcessLike = fakeChild

// Electron's process.parentPort (in a utility process) is what serveUtility() listens on.
declare const parentPort: Electron.ParentPort
export const parentFits: ParentPortLike = parentPort
serveUtility({}, { parentPort })

// A node:worker_threads Worker, and its parentPort.
declare const worker: Worker
export const workerFits: WorkerLike = worker
workerHost(worker)
declare const threadPort: NonNullable<typeof import('node:worker_threads').parentPort>
export const threadPortFits: WorkerParentPortLike = threadPort
serveWorker({}, { parentPort: threadPort })

// Routing: serve() takes the handles by namespace.
serve({ async ping() {} }, { hosts: { files } })

// The renderer's Api: main's module merged with the routed modules, by type only.
const mainApi = { async add(a: number, b: number) { return a + b } }
type Api = typeof mainApi & { files: typeof FilesApi }
declare const api: Client<Api>
export const sum: Promise<number> = api.add(1, 2)
export const chunks: StreamCall<{ i: number; digest: number }, number> = api.files.hashChunks(10)
// @ts-expect-error -- the files namespace has no 'add': the merge keeps the namespaces apart
api.files.add(1, 2)

// @ts-expect-error -- an empty object is no utility process
utilityHost({})
