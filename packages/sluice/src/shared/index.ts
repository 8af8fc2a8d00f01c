/**
 * `sluice`: what both sides share. Register classes and custom types on both sides, before the first call.
 */
export { registerClass, registerCustom } from './codec.js'
export type { Class, CustomTransformer, JSONValue } from './codec.js'
export { AbortError, DisconnectedError, ObservableOverflowError, ProtocolError, ValidationError } from './errors.js'
export { DEFAULT_LIMITS } from './limits.js'
export type { BroadcastMessage } from './broadcast.js'
export type { ChannelEnd, SendOptions } from './channel.js'
export { release } from './refs/functions.js'
export type { SluiceLimits } from './limits.js'
export type { Port, PortLike } from './port.js'
export { FRAME_TAGS, PROTOCOL_VERSION } from './protocol.js'
export type { Client, ClientFunction, ClientReturn, ObservableLike, Remote, RemoteBlob, RemoteFunction, RemoteObservable, Sendable, StreamCall } from './types.js'
