/**
 * How the benches print a target: PASS or MISS with the measured value, and on a MISS the likely reason, wrapped
 * to the table's width. bench/main.ts (Node) and bench/browser.ts (Chromium) both print theirs through this.
 */

/** `text` in lines of at most `width` characters, each starting with `indent`. */
export function wrap(text: string, indent: string, width = 116): string {
  const lines: string[] = []
  let cur = ''
  for (const word of text.split(' ')) {
    if (cur && indent.length + cur.length + 1 + word.length > width) (lines.push(cur), (cur = word))
    else cur = cur ? `${cur} ${word}` : word
  }
  if (cur) lines.push(cur)
  return lines.map((l) => indent + l).join('\n')
}

/** A target printer whose label and value columns are `labelWidth` and `valueWidth` wide. */
export function targetPrinter(labelWidth: number, valueWidth: number) {
  return (label: string, value: string, goal: string, pass: boolean, why: string): void => {
    console.log(`${pass ? 'PASS' : 'MISS'}  ${label.padEnd(labelWidth)} ${value.padStart(valueWidth)}   target ${goal}`)
    if (!pass) console.log(wrap(`likely reason: ${why}`, '      '))
  }
}
