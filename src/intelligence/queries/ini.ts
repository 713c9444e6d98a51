/** INI: sections. */
import { set, type LanguageSpec } from '../language-spec.js'

export const ini: LanguageSpec = {
  query: `
(section (section_name (text) @section)) @def
`,
  maxStartDepth: 2,
  containers: {},
  functions: set(),
  comments: set('comment'),
  preamble: set('section')
}
