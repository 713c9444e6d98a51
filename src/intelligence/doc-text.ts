/** Turning comments, docstrings and READMEs into short plain text: the first paragraph, the first sentence. */

/** README, README.md, readme.rst, ...: the file whose first paragraph says what a directory is for. */
export const README_FILE_NAME = /^readme(?:\.(?:md|markdown|rst|txt|adoc))?$/i

export const SYMBOL_DOC_MAX_CHARS = 200
export const FILE_DOC_MAX_CHARS = 400

/** The keywords of PowerShell's comment-based help that head its prose: `.SYNOPSIS`, `.DESCRIPTION`. */
const HELP_HEADING = /^\.(?:SYNOPSIS|DESCRIPTION)\b\s*/i

/** Lines of a comment without their markers (`/** *\/`, `*`, `///`, `//!`, `//`, `#`, `<# #>`, `--`, `;`), a help heading a blank line. */
function commentLines (raw: string): string[] {
  let text = raw.trim()
  text = text.replace(/^\/\*+!?/, '').replace(/\*+\/$/, '').replace(/^<#/, '').replace(/#>$/, '')
  return text.split(/\r?\n/).map((line) =>
    line.trim()
      .replace(/^(?:\/\/[/!]?|#+!?|--|;+|\*+(?!\/))\s?/, '')
      .replace(HELP_HEADING, '')
      .trim())
}

/** Tag sections (`@param`, `:param`, `Args:`) that are not prose: the text stops at the first. */
const TAG_SECTION = /^(?:@\w+|:\w+[\s:]|Args:|Arguments:|Returns?:|Parameters\b|Raises:|Examples?:)/
/** The other keywords of comment-based help (`.PARAMETER Name`, `.EXAMPLE`, ...): tag sections too. */
const HELP_SECTION = /^\.(?:PARAMETER|EXAMPLE|INPUTS|OUTPUTS|NOTES|LINK|COMPONENT|ROLE|FUNCTIONALITY)\b/i

/** Prose of one paragraph's lines: joined, without HTML tags, whitespace collapsed. */
function cleanParagraph (lines: readonly string[]): string {
  return lines.join(' ').replace(/<\/?[a-zA-Z][^>]*>/g, '').replace(/\s+/g, ' ').trim()
}

/** The first paragraph of the lines that holds any text, stopping at a tag section; read no further than needed. */
function firstParagraph (lines: readonly string[]): string | undefined {
  let current: string[] = []
  for (const line of lines) {
    if (TAG_SECTION.test(line) || HELP_SECTION.test(line)) break
    if (line !== '') {
      current.push(line)
      continue
    }
    if (current.length > 0) {
      const paragraph = cleanParagraph(current)
      if (paragraph !== '') return paragraph
      current = []
    }
  }
  const paragraph = cleanParagraph(current)
  return paragraph === '' ? undefined : paragraph
}

function clip (text: string, max: number): string {
  if (text.length <= max) return text
  const cut = text.slice(0, max - 1)
  const space = cut.lastIndexOf(' ')
  return (space > max / 2 ? cut.slice(0, space) : cut) + '…'
}

/** The first sentence of a text, at most `max` characters. */
export function firstSentence (text: string, max = SYMBOL_DOC_MAX_CHARS): string {
  const match = /^(.+?[.!?])(?:\s|$)/.exec(text)
  return clip(match?.[1] ?? text, max)
}

/** The first paragraph of a comment block (one or several comments, in order), or undefined. */
export function commentParagraph (raw: string, max = FILE_DOC_MAX_CHARS): string | undefined {
  const first = firstParagraph(commentLines(raw))
  return first === undefined ? undefined : clip(first, max)
}

/** The first paragraph of a Python docstring (quotes and prefixes stripped). */
export function docstringParagraph (raw: string, max = FILE_DOC_MAX_CHARS): string | undefined {
  const body = raw.replace(/^[rRuUbBfF]{0,2}("""|'''|"|')/, '').replace(/("""|'''|"|')$/, '')
  const first = firstParagraph(body.split(/\r?\n/).map((line) => line.trim()))
  return first === undefined ? undefined : clip(first, max)
}

/** The first prose paragraph of a Markdown (or plain text, or reStructuredText) document: no headings, badges or code. */
export function markdownParagraph (text: string, max = FILE_DOC_MAX_CHARS): string | undefined {
  const lines = text.split(/\r?\n/)
  let current: string[] = []
  let inFence = false
  let inFrontMatter = lines[0]?.trim() === '---'
  for (let i = inFrontMatter ? 1 : 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim()
    if (inFrontMatter) {
      if (line === '---') inFrontMatter = false
      continue
    }
    if (line.startsWith('```') || line.startsWith('~~~')) {
      inFence = !inFence
      continue
    }
    if (inFence) continue
    const isDecoration = /^(#{1,6}\s|={3,}$|-{3,}$|\*{3,}$|\[!\[|!\[|<|\.\. |\|)/.test(line)
    if (line === '' || isDecoration) {
      if (current.length > 0) break
      continue
    }
    // A setext heading is a line followed by === or ---.
    const next = lines[i + 1]?.trim() ?? ''
    if (current.length === 0 && /^(={3,}|-{3,})$/.test(next)) {
      i++
      continue
    }
    current.push(line)
  }
  if (current.length === 0) return undefined
  const plain = current.join(' ')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*_`]{1,3}([^*_`]+)[*_`]{1,3}/g, '$1')
    .replace(/\s+/g, ' ')
    .trim()
  return plain === '' ? undefined : clip(plain, max)
}
