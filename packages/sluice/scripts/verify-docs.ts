/**
 * Fails the build when a public runtime name lacks its TSDoc contract: the comment opens with
 * "Process: Main" (or Preload, Renderer, Utility, Worker, any), and ends with `@see sluice/docs/<page>.md#<anchor>`, where that
 * page exists and has a heading with that anchor. Checked for every value exported by the four entry points.
 */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const root = fileURLToPath(new URL('..', import.meta.url))
const entries = ['src/shared/index.ts', 'src/main/index.ts', 'src/preload/index.ts', 'src/renderer/index.ts']
/** Error classes and plain constants document themselves by name; the contract is for the API surface. */
const EXEMPT = new Set(['AbortError', 'DisconnectedError', 'ObservableOverflowError', 'ProtocolError', 'ValidationError', 'DEFAULT_LIMITS', 'FRAME_TAGS', 'PROTOCOL_VERSION'])

const program = ts.createProgram(
  entries.map((e) => root + e),
  { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, skipLibCheck: true },
)
const checker = program.getTypeChecker()

const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[`*_]/g, '')
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .trim()
    .replace(/\s+/g, '-')

function anchorsOf(page: string): Set<string> {
  const text = readFileSync(page, 'utf8')
  return new Set([...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1]!)))
}

const problems: string[] = []
let checked = 0
for (const entry of entries) {
  const file = program.getSourceFile(root + entry)!
  const moduleSymbol = checker.getSymbolAtLocation(file)!
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
    if (!(symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class | ts.SymbolFlags.Variable))) continue
    const name = exported.getName()
    if (EXEMPT.has(name)) continue
    checked++
    const decl = symbol.declarations?.[0]
    const docs = decl ? ts.getJSDocCommentsAndTags(decl).map((d) => d.getText()).join('\n') : ''
    const where = `${entry}: ${name}`
    if (!/Process: (Main|Preload|Renderer|Utility|Worker|any)/.test(docs)) problems.push(`${where}: TSDoc must state "Process: Main|Preload|Renderer|Utility|Worker|any"`)
    const see = /@see sluice\/docs\/([\w-]+\.md)#([\w-]+)/.exec(docs)
    if (!see) {
      problems.push(`${where}: TSDoc must end with @see sluice/docs/<page>.md#<anchor>`)
      continue
    }
    const page = `${root}docs/${see[1]}`
    if (!existsSync(page)) problems.push(`${where}: @see names docs/${see[1]}, which does not exist`)
    else if (!anchorsOf(page).has(see[2]!)) problems.push(`${where}: docs/${see[1]} has no heading for #${see[2]}`)
  }
}

if (problems.length > 0) {
  console.error(`verify-docs: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`)
  process.exit(1)
}
console.log(`verify-docs: ${checked} public names carry "Process:" and a working @see link`)
