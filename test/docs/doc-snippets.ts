import { readFileSync } from 'node:fs'
import path from 'node:path'
import ts from 'typescript'

/** A fenced ```ts block of a Markdown file. */
export interface Snippet {
  /** The Markdown file, relative to the repository. */
  doc: string
  /** 1-based line of the block's first code line in `doc`. */
  line: number
  code: string
  /**
   * Words after `ts` on the fence: `nocheck` (a fragment on purpose: say why next to it),
   * `continues` (appended to the block before it, as one file), `file=name.ts` (what the doc's
   * other snippets import it as, e.g. `./relay.js`).
   */
  flags: string[]
}

const FENCE = /^```(ts|typescript)\b(.*)$/

/** Every ```ts block of `doc` (```ts nocheck ones included, flagged). */
export function extractSnippets(root: string, doc: string): Snippet[] {
  const lines = readFileSync(path.join(root, doc), 'utf8').split('\n')
  const snippets: Snippet[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!.trim())
    if (!open) continue
    const start = i + 1
    let end = start
    while (end < lines.length && lines[end]!.trim() !== '```') end++
    snippets.push({ doc, line: start + 1, code: lines.slice(start, end).join('\n'), flags: open[2]!.trim().split(/\s+/).filter(Boolean) })
    i = end
  }
  return snippets
}

/** A file the compiler sees: snippets joined by `continues`, with where each of their lines came from. */
export interface SnippetFile {
  fileName: string
  text: string
  /** For each line of `text`: the Markdown file and line it came from (null for lines the check adds). */
  origins: ({ doc: string; line: number } | null)[]
}

/**
 * One module per snippet (a `continues` snippet is appended to the one before it), under `dir`.
 * `export {}` makes each a module, so its top-level names never clash with another snippet's.
 */
export function snippetFiles(snippets: readonly Snippet[], dir: string): SnippetFile[] {
  const files: SnippetFile[] = []
  for (const snippet of snippets) {
    if (snippet.flags.includes('nocheck')) continue
    const lines = snippet.code.split('\n')
    const origins = lines.map((_, i) => ({ doc: snippet.doc, line: snippet.line + i }))
    const previous = files[files.length - 1]
    if (snippet.flags.includes('continues') && previous && previous.origins.some((o) => o?.doc === snippet.doc)) {
      previous.text += `\n${lines.join('\n')}`
      previous.origins.push(...origins)
      continue
    }
    // Each doc's snippets share a folder, so one named `file=relay.ts` can be imported as './relay.js' by the next.
    const named = snippet.flags.find((f) => f.startsWith('file='))?.slice('file='.length)
    const name = named ?? `snippet-${snippet.line}.ts`
    files.push({ fileName: path.join(dir, snippet.doc.replace(/[^a-z0-9]+/gi, '-'), name), text: lines.join('\n'), origins })
  }
  for (const file of files) {
    file.text += '\nexport {}\n'
    file.origins.push(null, null)
  }
  return files
}

/** `hookrelay` and each of its subpaths → the source file tsup builds it from (package.json exports × tsup entries). */
export function packagePaths(root: string): Record<string, string[]> {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; exports: Record<string, unknown> }
  const tsup = readFileSync(path.join(root, 'tsup.config.ts'), 'utf8')
  const entries = new Map([...tsup.matchAll(/^\s*([\w-]+|'[\w-]+'):\s*'(src\/[^']+\.ts)'/gm)].map((m) => [m[1]!.replace(/'/g, ''), m[2]!]))
  const paths: Record<string, string[]> = {}
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const file = JSON.stringify(target).match(/\.\/dist\/([\w-]+)\.js/)?.[1]
    const source = file === undefined ? undefined : entries.get(file)
    if (source === undefined) continue
    paths[path.posix.join(pkg.name, subpath)] = [path.join(root, source)]
  }
  return paths
}

export interface SnippetDiagnostic {
  /** `docs/receiving.md:24` */
  where: string
  message: string
}

/**
 * Type-checks `files` (plus `extra`, e.g. a prelude of the names snippets use freely) as one program,
 * with `options`, and returns the diagnostics that fall inside the snippets, mapped back to Markdown lines.
 */
export function checkSnippets(files: readonly SnippetFile[], extra: Record<string, string>, options: ts.CompilerOptions): SnippetDiagnostic[] {
  const virtual = new Map<string, string>([...files.map((f) => [f.fileName, f.text] as const), ...Object.entries(extra)])
  const host = ts.createCompilerHost(options, true)
  const { getSourceFile, fileExists, readFile } = host
  host.fileExists = (name) => virtual.has(name) || fileExists.call(host, name)
  host.readFile = (name) => virtual.get(name) ?? readFile.call(host, name)
  // The snippets' folders exist only in memory; module resolution asks about them.
  const folders = new Set([...virtual.keys()].map((name) => path.dirname(name)))
  const { directoryExists } = host
  host.directoryExists = (name) => folders.has(name) || (directoryExists?.call(host, name) ?? true)
  host.getSourceFile = (name, language, onError, create) => {
    const text = virtual.get(name)
    return text === undefined ? getSourceFile.call(host, name, language, onError, create) : ts.createSourceFile(name, text, language, true)
  }
  const program = ts.createProgram({ rootNames: [...virtual.keys()], options, host })
  const found: SnippetDiagnostic[] = []
  for (const name of Object.keys(extra)) {
    const source = program.getSourceFile(name)
    for (const d of source ? program.getSemanticDiagnostics(source) : []) {
      found.push({ where: path.basename(name), message: `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}` })
    }
  }
  for (const file of files) {
    const source = program.getSourceFile(file.fileName)
    if (!source) throw new Error(`${file.fileName} was not part of the program`)
    for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const line = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line
      const origin = file.origins[line] ?? file.origins.find((o) => o !== null)
      found.push({
        where: origin ? `${origin.doc}:${origin.line}` : file.fileName,
        message: `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
      })
    }
  }
  return found
}
