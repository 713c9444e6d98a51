/**
 * The language spec of every parsed language, each module loaded when its grammar first is: a worker that
 * parses only Python loads one spec, not fifteen (each module costs a worker a few milliseconds to start).
 */
import type { LanguageSpec } from '../language-spec.js'
import type { ParsedLanguage } from '../languages.js'

const LOADERS: Readonly<Record<ParsedLanguage, () => Promise<LanguageSpec>>> = {
  bash: async () => (await import('./bash.js')).bash,
  c: async () => (await import('./cpp.js')).c,
  cpp: async () => (await import('./cpp.js')).cpp,
  csharp: async () => (await import('./csharp.js')).csharp,
  css: async () => (await import('./css.js')).css,
  go: async () => (await import('./go.js')).go,
  ini: async () => (await import('./ini.js')).ini,
  java: async () => (await import('./java.js')).java,
  javascript: async () => (await import('./javascript.js')).javascript,
  php: async () => (await import('./php.js')).php,
  powershell: async () => (await import('./powershell.js')).powershell,
  python: async () => (await import('./python.js')).python,
  ruby: async () => (await import('./ruby.js')).ruby,
  rust: async () => (await import('./rust.js')).rust,
  tsx: async () => (await import('./typescript.js')).tsx,
  typescript: async () => (await import('./typescript.js')).typescript
}

/** The spec of a parsed language. */
export function languageSpec (language: ParsedLanguage): Promise<LanguageSpec> {
  return LOADERS[language]()
}
