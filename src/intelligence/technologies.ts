/** Technologies named by a file's imports (the table of names is the records' vocabulary, in src/context). */
import { ECOSYSTEM_OF_LANGUAGE, technologyOf, type Ecosystem } from '../context/technology-names.js'

/** The package an import specifier loads (`@scope/pkg/sub` → `@scope/pkg`, `os.path` → `os`, `actix_web::App` → `actix_web`). */
function importRoot (ecosystem: Ecosystem, specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/')) return null
  switch (ecosystem) {
    case 'npm': {
      if (specifier.startsWith('node:')) return null
      const parts = specifier.split('/')
      return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0] ?? null
    }
    case 'python': return specifier.split('.')[0] ?? null
    case 'rust': return specifier.replace(/^::/, '').split('::')[0] ?? null
    case 'ruby': return specifier.split('/')[0] ?? null
    case 'php': return (specifier.replace(/^\\/, '').split('\\')[0] ?? '').toLowerCase()
    default: return specifier
  }
}

/** Technologies named by a file's imports, sorted and deduplicated. */
export function technologiesFromImports (language: string | null, imports: readonly string[]): string[] {
  const ecosystem = language === null ? undefined : ECOSYSTEM_OF_LANGUAGE[language]
  if (ecosystem === undefined) return []
  const found = new Set<string>()
  for (const specifier of imports) {
    const root = importRoot(ecosystem, specifier)
    if (root === null || root === '') continue
    const technology = technologyOf(ecosystem, root) ?? (ecosystem === 'go' || ecosystem === 'jvm' || ecosystem === 'dotnet' ? technologyOf(ecosystem, specifier) : undefined)
    if (technology !== undefined) found.add(technology)
  }
  return [...found].sort()
}

/** Lower-cased, deduplicated and sorted. */
export function normalizeTechnologies (names: Iterable<string>): string[] {
  return [...new Set([...names].map((name) => name.toLowerCase()).filter((name) => name !== ''))].sort()
}
