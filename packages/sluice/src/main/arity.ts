/**
 * How many arguments a handler accepts, read from its source. `fn.length` is not enough: it stops counting at
 * the first default parameter, so `(a, b = 1) => …` would reject a legitimate second argument. A rest
 * parameter, native code or an unreadable source means "any number".
 */
const cache = new WeakMap<Function, number>()

export function maxArity(fn: Function): number {
  let n = cache.get(fn)
  if (n === undefined) {
    n = readArity(fn)
    cache.set(fn, n)
  }
  return n
}

function readArity(fn: Function): number {
  let src: string
  try {
    src = Function.prototype.toString.call(fn)
  } catch {
    return Infinity
  }
  if (src.includes('[native code]')) return Infinity
  // `x => …` and `async x => …`: exactly one parameter, no parentheses.
  if (/^(?:async\s+)?[A-Za-z_$][\w$]*\s*=>/.test(src)) return 1
  const open = src.indexOf('(')
  if (open < 0) return Infinity
  let depth = 0
  let params = 0
  let segmentHasToken = false
  for (let i = open + 1; i < src.length; i++) {
    const ch = src[i]!
    if (ch === '"' || ch === "'" || ch === '`') {
      i = skipString(src, i)
      segmentHasToken = true
    } else if (ch === '/' && src[i + 1] === '*') {
      i = src.indexOf('*/', i + 2) + 1
      if (i === 0) return Infinity
    } else if (ch === '/' && src[i + 1] === '/') {
      i = src.indexOf('\n', i)
      if (i < 0) return Infinity
    } else if (ch === '(' || ch === '[' || ch === '{') {
      depth++
      segmentHasToken = true
    } else if (ch === ')' || ch === ']' || ch === '}') {
      if (depth === 0) return params + (segmentHasToken ? 1 : 0)
      depth--
    } else if (depth === 0 && ch === ',') {
      if (segmentHasToken) params++
      segmentHasToken = false
    } else if (depth === 0 && ch === '.' && src.startsWith('...', i)) {
      return Infinity
    } else if (ch.trim() !== '') {
      segmentHasToken = true
    }
  }
  return Infinity
}

function skipString(src: string, start: number): number {
  const quote = src[start]
  for (let i = start + 1; i < src.length; i++) {
    if (src[i] === '\\') i++
    else if (src[i] === quote) return i
  }
  return src.length
}
