/**
 * comlink ships no `exports` map: its package `main` is a UMD build and its ESM build sits at
 * dist/esm/comlink.mjs, without a .d.mts beside it. Load the ESM files at runtime and borrow the UMD types.
 */
import type { MessagePort } from 'node:worker_threads'
import type * as ComlinkTypes from 'comlink'

type NodeEndpointFn = (port: MessagePort) => ComlinkTypes.Endpoint

const comlinkUrl = 'comlink/dist/esm/comlink.mjs'
const adapterUrl = 'comlink/dist/esm/node-adapter.mjs'

export const Comlink = (await import(comlinkUrl)) as typeof ComlinkTypes
export const nodeEndpoint = ((await import(adapterUrl)) as { default: NodeEndpointFn }).default
