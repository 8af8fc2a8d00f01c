/**
 * Live objects that travel by reference. Filled in by the callbacks/promises/streams work; until then every
 * ref kind is refused with a clear error.
 */
import { ProtocolError } from './errors.js'
import type { Outbox } from './outbox.js'
import type { RefKind } from './protocol.js'

export interface RefTableOptions {
  credit: number
  maxCredit: number
  withStack: boolean
  onChange: () => void
}

export class RefTable {
  constructor(
    readonly outbox: Outbox,
    readonly options: RefTableOptions,
  ) {}
  export(kind: RefKind, _value: unknown): number {
    throw new TypeError(`sluice: a ${kind} cannot be sent yet`)
  }
  import(kind: RefKind, _id: number): unknown {
    throw new ProtocolError(`a ${kind} ref is not accepted yet`)
  }
  receive(frame: { t: string }): void {
    throw new ProtocolError(`'${frame.t}' frames are not accepted yet`)
  }
  close(_reason: Error): void {}
  size(): number {
    return 0
  }
}
