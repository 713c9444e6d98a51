/** Enough TOML for manifests: tables, string/number/boolean values, arrays of strings (multi-line), inline tables kept as text. */

export type TomlValue = string | number | boolean | string[]
/** Table name (`package`, `tool.poetry.dependencies`, '' for the top) to its keys. */
export type TomlTables = Map<string, Map<string, TomlValue>>

function unquoteKey (key: string): string {
  const trimmed = key.trim()
  return /^(["']).*\1$/.test(trimmed) ? trimmed.slice(1, -1) : trimmed
}

/** The strings of an array literal (`["a>=1", 'b']`); other items are skipped. */
function arrayStrings (text: string): string[] {
  const items: string[] = []
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'/g
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) items.push(match[1] ?? match[2] ?? '')
  return items
}

function stripComment (line: string): string {
  let quote: string | null = null
  for (let i = 0; i < line.length; i++) {
    const char = line[i]
    if (quote !== null) {
      if (char === '\\' && quote === '"') i++
      else if (char === quote) quote = null
    } else if (char === '"' || char === "'") {
      quote = char
    } else if (char === '#') {
      return line.slice(0, i)
    }
  }
  return line
}

function parseValue (raw: string): TomlValue {
  const value = raw.trim()
  if (value.startsWith('"""') || value.startsWith("'''")) return value.slice(3).replace(/("""|''')$/, '')
  if (value.startsWith('"')) return (/^"((?:[^"\\]|\\.)*)"/.exec(value)?.[1] ?? '').replace(/\\(.)/g, '$1')
  if (value.startsWith("'")) return /^'([^']*)'/.exec(value)?.[1] ?? ''
  if (value.startsWith('[')) return arrayStrings(value)
  if (value === 'true' || value === 'false') return value === 'true'
  const number = Number(value)
  return Number.isFinite(number) && value !== '' ? number : value
}

/** Parses the subset; never throws: what it cannot read it leaves out. */
export function parseTomlSubset (text: string): TomlTables {
  const tables: TomlTables = new Map([['', new Map()]])
  let current = tables.get('') as Map<string, TomlValue>
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = stripComment(lines[i] as string).trim()
    if (line === '') continue
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?$/.exec(line)
    if (header !== null) {
      const name = (header[1] as string).split('.').map(unquoteKey).join('.')
      current = tables.get(name) ?? new Map()
      tables.set(name, current)
      continue
    }
    const equals = line.indexOf('=')
    if (equals <= 0) continue
    const key = unquoteKey(line.slice(0, equals))
    let raw = line.slice(equals + 1).trim()
    // Arrays and multi-line strings may run over several lines.
    if (raw.startsWith('[')) {
      let depth = 0
      const balance = (chunk: string): void => { for (const char of chunk.replace(/"(?:[^"\\]|\\.)*"|'[^']*'/g, '')) { if (char === '[') depth++; else if (char === ']') depth-- } }
      balance(raw)
      while (depth > 0 && i + 1 < lines.length) {
        const next = stripComment(lines[++i] as string)
        raw += ' ' + next
        balance(next)
      }
    } else if ((raw.startsWith('"""') || raw.startsWith("'''")) && !raw.slice(3).includes(raw.slice(0, 3))) {
      const fence = raw.slice(0, 3)
      while (i + 1 < lines.length) {
        const next = lines[++i] as string
        raw += '\n' + next
        if (next.includes(fence)) break
      }
    }
    current.set(key, parseValue(raw))
  }
  return tables
}
