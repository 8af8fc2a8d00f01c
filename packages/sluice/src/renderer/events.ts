/**
 * Typed host events on the client. Subscriptions live beside the client, not on it, so an event name can
 * never collide with an api export.
 */
import type { EventMap } from '../shared/event-map.js'
import { connectionOf } from './proxy.js'

/** The typed subscriber that `events<AppEvents>(api)` returns. */
export interface Events<E extends EventMap> {
  /** Calls `listener` for every `name` event the host emits. Returns the unsubscribe function. */
  on<K extends keyof E & string>(name: K, listener: E[K]): () => void
  /** Calls `listener` for the next `name` event only. Returns a function that cancels that. */
  once<K extends keyof E & string>(name: K, listener: E[K]): () => void
}

export function eventsOf<E extends EventMap>(client: unknown): Events<E> {
  const conn = connectionOf(client)
  const subscribe = (name: string, listener: (...args: unknown[]) => void, once: boolean) => {
    const off = conn.on(name, (payload) => {
      if (once) off()
      listener(...(Array.isArray(payload) ? payload : [payload]))
    })
    return off
  }
  return {
    on: (name, listener) => subscribe(name, listener as (...args: unknown[]) => void, false),
    once: (name, listener) => subscribe(name, listener as (...args: unknown[]) => void, true),
  }
}
