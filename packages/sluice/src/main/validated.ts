/**
 * Runtime validation of a handler's arguments with any Standard Schema validator (zod, valibot, arktype…).
 * The check runs on the host, before the handler, so the handler only ever sees parsed, typed input.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec'
import { ValidationError } from '../shared/errors.js'

type Issues = ValidationError['issues']

function toIssues(issues: readonly StandardSchemaV1.Issue[], prefix: (string | number)[]): Issues {
  return issues.map((issue) => {
    const path = [...prefix]
    for (const seg of issue.path ?? []) {
      const key = typeof seg === 'object' && seg !== null ? seg.key : seg
      // Symbols cannot cross the wire; their description is the best we can say.
      path.push(typeof key === 'symbol' ? String(key.description) : (key as string | number))
    }
    return path.length > 0 ? { message: issue.message, path } : { message: issue.message }
  })
}

function fail(issues: Issues): never {
  const summary = issues.map((i) => (i.path?.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ')
  throw new ValidationError(`sluice: invalid arguments: ${summary}`, issues)
}

function check(schema: StandardSchemaV1, value: unknown, prefix: (string | number)[]): unknown {
  const result = schema['~standard'].validate(value)
  const settle = (r: StandardSchemaV1.Result<unknown>) => (r.issues ? fail(toIssues(r.issues, prefix)) : r.value)
  return result instanceof Promise ? result.then(settle) : settle(result)
}

type Schemas = readonly StandardSchemaV1[]
type InputsOf<S extends Schemas> = { [K in keyof S]: S[K] extends StandardSchemaV1 ? StandardSchemaV1.InferInput<S[K]> : never }
type OutputsOf<S extends Schemas> = { [K in keyof S]: S[K] extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S[K]> : never }

/**
 * Process: Main (any host).
 * Wraps `fn` so that its argument is checked against `schema` before it runs. Invalid input rejects the call
 * with a `ValidationError` listing every issue, and `fn` never runs. The client's parameter type is the
 * schema's input type; `fn` receives the schema's output (defaults applied, transforms run).
 * Pass an array of schemas to validate several positional arguments.
 * @see sluice/docs/primitives.md#validation
 */
export function validated<S extends StandardSchemaV1, R>(schema: S, fn: (input: StandardSchemaV1.InferOutput<S>) => R): (input: StandardSchemaV1.InferInput<S>) => R
export function validated<const S extends Schemas, R>(schemas: S, fn: (...inputs: OutputsOf<S>) => R): (...inputs: InputsOf<S>) => R
export function validated(schema: StandardSchemaV1 | Schemas, fn: (...args: unknown[]) => unknown): (...args: unknown[]) => unknown {
  if (Array.isArray(schema)) {
    const schemas = schema as Schemas
    return function validatedHandler(...args: unknown[]) {
      if (args.length > schemas.length) fail([{ message: `expected at most ${schemas.length} arguments, got ${args.length}` }])
      const parsed = schemas.map((s, i) => check(s, args[i], [i]))
      return parsed.some((p) => p instanceof Promise) ? Promise.all(parsed).then((values) => fn(...values)) : fn(...parsed)
    }
  }
  const single = schema as StandardSchemaV1
  return function validatedHandler(input: unknown) {
    const parsed = check(single, input, [])
    return parsed instanceof Promise ? parsed.then((value) => fn(value)) : fn(parsed)
  }
}
