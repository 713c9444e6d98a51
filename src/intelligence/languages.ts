/** Language detection by file name, extension and shebang, and the tree-sitter grammar that parses each language. */
import { basename, extname } from 'node:path'

/** Languages parsed with a tree-sitter grammar shipped by `@vscode/tree-sitter-wasm`. */
export const PARSED_LANGUAGES = [
  'bash', 'c', 'cpp', 'csharp', 'css', 'go', 'ini', 'java', 'javascript', 'php',
  'powershell', 'python', 'ruby', 'rust', 'tsx', 'typescript'
] as const
export type ParsedLanguage = typeof PARSED_LANGUAGES[number]

/** The grammar file (`tree-sitter-<name>.wasm`) of each parsed language; C shares the C++ grammar. */
export const GRAMMAR_NAMES: Readonly<Record<ParsedLanguage, string>> = {
  bash: 'bash',
  c: 'cpp',
  cpp: 'cpp',
  csharp: 'c-sharp',
  css: 'css',
  go: 'go',
  ini: 'ini',
  java: 'java',
  javascript: 'javascript',
  php: 'php',
  powershell: 'powershell',
  python: 'python',
  ruby: 'ruby',
  rust: 'rust',
  tsx: 'tsx',
  typescript: 'typescript'
}

/** How a language is named to people. */
export const LANGUAGE_DISPLAY_NAMES: Readonly<Record<string, string>> = {
  bash: 'Shell', c: 'C', cpp: 'C++', csharp: 'C#', css: 'CSS', go: 'Go', ini: 'INI', java: 'Java',
  javascript: 'JavaScript', php: 'PHP', powershell: 'PowerShell', python: 'Python', ruby: 'Ruby',
  rust: 'Rust', tsx: 'TSX', typescript: 'TypeScript', markdown: 'Markdown', json: 'JSON', yaml: 'YAML',
  toml: 'TOML', xml: 'XML', html: 'HTML', sql: 'SQL', makefile: 'Makefile', dockerfile: 'Dockerfile',
  text: 'text', dotenv: 'dotenv', scss: 'SCSS', less: 'Less', kotlin: 'Kotlin', swift: 'Swift',
  scala: 'Scala', perl: 'Perl', lua: 'Lua', groovy: 'Groovy', vue: 'Vue', svelte: 'Svelte', csv: 'CSV',
  protobuf: 'Protocol Buffers', gomod: 'Go module', graphql: 'GraphQL', r: 'R', dart: 'Dart', elixir: 'Elixir', haskell: 'Haskell'
}

export function displayLanguage (language: string): string {
  return LANGUAGE_DISPLAY_NAMES[language] ?? language
}

const PARSED_SET: ReadonlySet<string> = new Set(PARSED_LANGUAGES)

export function isParsedLanguage (language: string | null | undefined): language is ParsedLanguage {
  return language != null && PARSED_SET.has(language)
}

/** Languages that are data or prose rather than code: named, never parsed. */
const NON_CODE: ReadonlySet<string> = new Set(['markdown', 'json', 'yaml', 'toml', 'xml', 'html', 'text', 'dotenv', 'csv', 'ini', 'gomod', 'dockerfile', 'makefile'])

/** True for languages that hold program logic (so test coverage and code structure apply). */
export function isCodeLanguage (language: string | null | undefined): boolean {
  return language != null && !NON_CODE.has(language)
}

const BY_EXTENSION: ReadonlyMap<string, string> = new Map(Object.entries({
  '.sh': 'bash', '.bash': 'bash', '.bats': 'bash', '.ksh': 'bash', '.zsh': 'bash',
  '.cs': 'csharp', '.csx': 'csharp',
  '.c': 'c', '.h': 'c',
  '.cc': 'cpp', '.cpp': 'cpp', '.cxx': 'cpp', '.c++': 'cpp', '.hpp': 'cpp', '.hh': 'cpp', '.hxx': 'cpp', '.h++': 'cpp', '.ipp': 'cpp', '.inl': 'cpp',
  '.css': 'css',
  '.go': 'go',
  '.ini': 'ini', '.cfg': 'ini',
  '.java': 'java',
  '.js': 'javascript', '.mjs': 'javascript', '.cjs': 'javascript', '.jsx': 'javascript',
  '.php': 'php', '.phtml': 'php',
  '.ps1': 'powershell', '.psm1': 'powershell', '.psd1': 'powershell',
  '.py': 'python', '.pyw': 'python', '.pyi': 'python',
  '.rb': 'ruby', '.rake': 'ruby', '.gemspec': 'ruby', '.ru': 'ruby',
  '.rs': 'rust',
  '.tsx': 'tsx',
  '.ts': 'typescript', '.mts': 'typescript', '.cts': 'typescript',
  '.md': 'markdown', '.markdown': 'markdown', '.mdx': 'markdown',
  '.json': 'json', '.jsonc': 'json', '.json5': 'json', '.geojson': 'json',
  '.yml': 'yaml', '.yaml': 'yaml',
  '.toml': 'toml',
  '.xml': 'xml', '.csproj': 'xml', '.fsproj': 'xml', '.vbproj': 'xml', '.props': 'xml', '.targets': 'xml', '.xsd': 'xml', '.xsl': 'xml', '.svg': 'xml', '.plist': 'xml',
  '.html': 'html', '.htm': 'html', '.xhtml': 'html',
  '.sql': 'sql',
  '.mk': 'makefile',
  '.dockerfile': 'dockerfile',
  '.txt': 'text', '.text': 'text', '.rst': 'text', '.adoc': 'text',
  '.env': 'dotenv',
  '.scss': 'scss', '.sass': 'scss', '.less': 'less',
  '.kt': 'kotlin', '.kts': 'kotlin', '.swift': 'swift', '.scala': 'scala', '.pl': 'perl', '.pm': 'perl',
  '.lua': 'lua', '.groovy': 'groovy', '.gradle': 'groovy', '.vue': 'vue', '.svelte': 'svelte', '.csv': 'csv',
  '.proto': 'protobuf', '.graphql': 'graphql', '.gql': 'graphql', '.r': 'r', '.dart': 'dart',
  '.ex': 'elixir', '.exs': 'elixir', '.hs': 'haskell'
}))

const BY_FILE_NAME: ReadonlyMap<string, string> = new Map(Object.entries({
  makefile: 'makefile', gnumakefile: 'makefile',
  dockerfile: 'dockerfile', containerfile: 'dockerfile',
  rakefile: 'ruby', gemfile: 'ruby', guardfile: 'ruby', vagrantfile: 'ruby', podfile: 'ruby', brewfile: 'ruby',
  '.bashrc': 'bash', '.bash_profile': 'bash', '.profile': 'bash', '.zshrc': 'bash',
  '.editorconfig': 'ini', '.gitconfig': 'ini', '.npmrc': 'ini',
  '.env': 'dotenv',
  '.gitignore': 'text', '.dockerignore': 'text', '.gitattributes': 'text',
  license: 'text', licence: 'text', copying: 'text', authors: 'text', notice: 'text', readme: 'text', changelog: 'text',
  'cmakelists.txt': 'makefile',
  'gemfile.lock': 'text', 'cargo.lock': 'toml', pipfile: 'toml', 'go.mod': 'gomod', 'go.sum': 'text', 'go.work': 'gomod'
}))

const BY_INTERPRETER: ReadonlyMap<string, string> = new Map(Object.entries({
  python: 'python', pypy: 'python',
  bash: 'bash', sh: 'bash', dash: 'bash', zsh: 'bash', ksh: 'bash',
  node: 'javascript', nodejs: 'javascript', bun: 'javascript',
  deno: 'typescript', 'ts-node': 'typescript', tsx: 'typescript',
  ruby: 'ruby', php: 'php', pwsh: 'powershell', powershell: 'powershell', perl: 'perl', lua: 'lua'
}))

/** The language named by a shebang line (`#!/usr/bin/env python3`, `#!/bin/bash`), or null. */
export function languageFromShebang (head: string): string | null {
  if (!head.startsWith('#!')) return null
  const end = head.indexOf('\n')
  const words = head.slice(2, end === -1 ? Math.min(head.length, 200) : end).trim().split(/\s+/)
  let program = basename(words[0] ?? '')
  if (program === 'env') {
    // `#!/usr/bin/env -S node --flags`: the first word that is not a flag or an assignment is the program.
    program = words.slice(1).find((word) => !word.startsWith('-') && !word.includes('=')) ?? ''
  }
  const name = program.toLowerCase().replace(/[\d.]+$/, '')
  return BY_INTERPRETER.get(name) ?? null
}

/**
 * The language of a file from its name, then its extension, then (for files with neither)
 * the shebang in `head` (the first bytes of the file, when known). Null when unknown.
 */
export function detectLanguage (path: string, head?: string): string | null {
  const name = basename(path).toLowerCase()
  const byName = BY_FILE_NAME.get(name)
  if (byName !== undefined) return byName
  if (name.startsWith('dockerfile.') || name.endsWith('.dockerfile')) return 'dockerfile'
  if (name.startsWith('.env.')) return 'dotenv'
  if (name.startsWith('requirements') && name.endsWith('.txt')) return 'text'
  const byExtension = BY_EXTENSION.get(extname(name))
  if (byExtension !== undefined) return byExtension
  if (head !== undefined) return languageFromShebang(head)
  return null
}
