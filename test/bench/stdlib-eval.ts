// The answer-quality eval: fixed questions on packages of this machine's Python standard library, each answer derived
// here from the files by a plain line scan (no parser, no engine code), asked through the MCP tools and checked exactly.
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, posix } from 'node:path'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { estimateTokens } from '../../src/agents/tokens.js'

/** The packages asked about: a small one, a large one with subpackages and relative imports, and one in between. */
export const EVAL_PACKAGES = ['json', 'email', 'http'] as const
export const EVAL_PROJECT = 'stdlib'

type QuestionKind = 'defined' | 'importers' | 'depends'
/** Where is this class or function defined; which files import this module; what does this module depend on. */
const QUESTIONS: ReadonlyArray<[QuestionKind, string]> = [
  ['defined', 'JSONDecoder'], ['defined', 'dumps'], ['defined', 'Charset'], ['defined', 'make_msgid'],
  ['defined', 'decode_header'], ['defined', 'HTTPServer'], ['defined', 'SimpleCookie'], ['defined', 'parsedate_tz'],
  ['importers', 'json'], ['importers', 'json.scanner'], ['importers', 'email.charset'], ['importers', 'email.errors'],
  ['importers', 'email.utils'], ['importers', 'http.client'],
  ['depends', 'json.decoder'], ['depends', 'json.tool'], ['depends', 'email.mime.text'], ['depends', 'email.message'],
  ['depends', 'email.feedparser'], ['depends', 'http.server']
]

export interface EvalQuestion {
  kind: QuestionKind
  subject: string
  tool: 'search' | 'references'
  args: Record<string, unknown>
  /** The exact answer: `path:line` of each top-level definition, or the project files, sorted. */
  expected: string[]
  /** The files an agent without the tools would read to find the answer. */
  holding: string[]
}

export interface EvalCorpus { root: string, files: string[] }

/** The standard library's packages copied under `dir` (their .py files only), or why there are none. */
export function copyEvalPackages (dir: string): EvalCorpus | { skipped: string } {
  let stdlib: string
  try {
    stdlib = execFileSync('python3', ['-c', 'import sysconfig;print(sysconfig.get_paths()["stdlib"])'], { encoding: 'utf8' }).trim()
  } catch {
    return { skipped: 'python3 is not installed: no standard library to ask about' }
  }
  const missing = EVAL_PACKAGES.filter(p => !existsSync(join(stdlib, p, '__init__.py')))
  if (stdlib === '' || missing.length > 0) return { skipped: `the Python standard library (${stdlib}) lacks ${missing.join(', ')}` }
  for (const pkg of EVAL_PACKAGES) {
    cpSync(join(stdlib, pkg), join(dir, pkg), { recursive: true, filter: (source) => !source.includes('__pycache__') && (statSync(source).isDirectory() || source.endsWith('.py')) })
  }
  return { root: dir, files: pythonFiles(dir, '') }
}

function pythonFiles (root: string, under: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(join(root, under), { withFileTypes: true })) {
    const path = under === '' ? entry.name : `${under}/${entry.name}`
    if (entry.isDirectory()) out.push(...pythonFiles(root, path))
    else if (path.endsWith('.py')) out.push(path)
  }
  return out.sort()
}

/**
 * The project files a module names in its import statements, from the text: every line (at any indent) that starts
 * with `import a.b, c` or `from X import n, m` (a parenthesised list may span lines). A dotted name is the file
 * `a/b.py` or the package `a/b/__init__.py` when the copy has it (else it is outside the project). `from X import n`
 * names X (Python runs it first) and `X.n` when that is a module (a submodule); dots climb from the importing file's
 * package.
 */
export function scanDependencies (corpus: EvalCorpus, path: string): string[] {
  const files = new Set(corpus.files)
  const fileOf = (dotted: string): string | null => {
    const base = dotted.split('.').join('/')
    return files.has(`${base}.py`) ? `${base}.py` : files.has(`${base}/__init__.py`) ? `${base}/__init__.py` : null
  }
  const text = readFileSync(join(corpus.root, path), 'utf8')
  const found = new Set<string>()
  const add = (file: string | null): void => { if (file !== null && file !== path) found.add(file) }
  const packageParts = posix.dirname(path).split('/')
  for (const m of text.matchAll(/^[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)|import[ \t]+([^\n#;]*))/gm)) {
    if (m[4] !== undefined) {
      for (const name of m[4].split(',')) add(fileOf(name.trim().split(/\s+/)[0]!))
      continue
    }
    const dots = m[1]!.length
    const base = dots === 0 ? m[2]! : [...packageParts.slice(0, packageParts.length - (dots - 1)), ...(m[2] === '' ? [] : [m[2]!])].join('.')
    add(fileOf(base))
    for (const raw of m[3]!.replace(/[()\\]/g, ' ').split(',')) {
      const name = raw.trim().split(/\s+/)[0]!
      if (name !== '') add(fileOf(`${base}.${name}`))
    }
  }
  return [...found].sort()
}

/** `path:line` of each top-level `class Name` / `def name` (or `async def`) in the copy, from the text. */
function scanDefinitions (corpus: EvalCorpus, name: string): string[] {
  const header = new RegExp(`^(?:class|def|async def)[ \\t]+${name}\\b`)
  const out: string[] = []
  for (const path of corpus.files) {
    readFileSync(join(corpus.root, path), 'utf8').split('\n').forEach((line, i) => { if (header.test(line)) out.push(`${path}:${i + 1}`) })
  }
  return out.sort()
}

function moduleFile (corpus: EvalCorpus, dotted: string): string {
  const base = dotted.split('.').join('/')
  const path = corpus.files.includes(`${base}.py`) ? `${base}.py` : `${base}/__init__.py`
  if (!corpus.files.includes(path)) throw new Error(`the eval asks about ${dotted}, which this standard library lacks`)
  return path
}

/** The fixed questions with their answers, derived from this machine's copy. */
export function evalQuestions (corpus: EvalCorpus): EvalQuestion[] {
  return QUESTIONS.map(([kind, subject]) => {
    if (kind === 'defined') {
      const expected = scanDefinitions(corpus, subject)
      return { kind, subject, tool: 'search', args: { query: subject }, expected, holding: [...new Set(expected.map(e => e.slice(0, e.lastIndexOf(':'))))] }
    }
    const path = moduleFile(corpus, subject)
    if (kind === 'depends') {
      return { kind, subject, tool: 'references', args: { address: path }, expected: scanDependencies(corpus, path), holding: [path] }
    }
    const expected = corpus.files.filter(file => file !== path && scanDependencies(corpus, file).includes(path))
    return { kind, subject, tool: 'references', args: { address: path }, expected, holding: expected }
  })
}

/** What the tool's answer says, in the expected answer's form. */
function answerOf (question: EvalQuestion, json: any): string[] {
  if (question.kind === 'defined') {
    return (json.results as any[])
      .filter(r => r.match === 'exact' && (r.kind === 'class' || r.kind === 'function') && r.parent === undefined)
      .map(r => `${String(r.address).slice(`ucxl://${EVAL_PROJECT}/`.length)}:${r.line as number}`).sort()
  }
  return [...(question.kind === 'depends' ? json.imports : json.importedBy) as string[]].sort()
}

export interface EvalAnswer { question: EvalQuestion, got: string[], exact: boolean, answerTokens: number, readingTokens: number }

export interface EvalResult {
  answers: EvalAnswer[]
  /** Share of questions answered exactly. */
  accuracy: number
  tokensPerAnswer: number
  tokensReadingFiles: number
}

/** Asks each question through the MCP client; the tokens of an answer and of reading its files, one estimator. */
export async function runEval (client: Client, corpus: EvalCorpus, questions: readonly EvalQuestion[]): Promise<EvalResult> {
  const answers: EvalAnswer[] = []
  for (const question of questions) {
    const result = await client.callTool({ name: question.tool, arguments: question.args }) as { isError?: boolean, content: Array<{ text?: string }> }
    const text = result.content.map(c => c.text ?? '').join('')
    const got = result.isError === true ? [`error: ${text}`] : answerOf(question, JSON.parse(text))
    const readingTokens = question.holding.reduce((sum, file) => sum + estimateTokens(readFileSync(join(corpus.root, file), 'utf8')), 0)
    answers.push({ question, got, exact: JSON.stringify(got) === JSON.stringify(question.expected), answerTokens: estimateTokens(text), readingTokens })
  }
  const mean = (values: number[]): number => Math.round(values.reduce((a, b) => a + b, 0) / values.length)
  return {
    answers,
    accuracy: answers.filter(a => a.exact).length / answers.length,
    tokensPerAnswer: mean(answers.map(a => a.answerTokens)),
    tokensReadingFiles: mean(answers.map(a => a.readingTokens))
  }
}
