/** The language spec of every parsed language. */
import type { LanguageSpec } from '../language-spec.js'
import type { ParsedLanguage } from '../languages.js'
import { bash } from './bash.js'
import { c, cpp } from './cpp.js'
import { csharp } from './csharp.js'
import { css } from './css.js'
import { go } from './go.js'
import { ini } from './ini.js'
import { java } from './java.js'
import { javascript } from './javascript.js'
import { php } from './php.js'
import { powershell } from './powershell.js'
import { python } from './python.js'
import { ruby } from './ruby.js'
import { rust } from './rust.js'
import { tsx, typescript } from './typescript.js'

export const LANGUAGE_SPECS: Readonly<Record<ParsedLanguage, LanguageSpec>> = {
  bash, c, cpp, csharp, css, go, ini, java, javascript, php, powershell, python, ruby, rust, tsx, typescript
}
