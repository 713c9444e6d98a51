/**
 * Security findings by scanning text: crypto, auth, process execution, code evaluation, SQL built from
 * strings and secret-like literals. A finding is a kind and a line, never the text that matched.
 *
 * One pass per file: a single case-insensitive regex of trigger words finds candidate spots; each
 * detector whose trigger starts there then confirms (or rejects) the spot with its own exact check.
 * Running each detector's pattern over the whole text instead costs several times more.
 */
import type { FindingKind, SecurityFinding } from './types.js'

/** Lines reported per kind per file, so a generated table cannot flood a record. */
export const MAX_FINDINGS_PER_KIND = 50

export interface Detector {
  kind: FindingKind
  /** Words that may start a finding: regex source, matched case-insensitively, without capture groups. */
  trigger: string
  /** Must match at the trigger's position (a sticky regex, with its own case rules). */
  confirm?: RegExp
  /** The character before the trigger must not match this (a word boundary of the detector's choosing). */
  notAfter?: RegExp
  /** A last check on the confirmed match (or the trigger's, without `confirm`). */
  accept?: (match: RegExpExecArray, source: string) => boolean
}

const WORD_BEFORE = /[\w.]/
const ALNUM_BEFORE = /[A-Za-z0-9]/

/** Whether the line holding `index` starts (after indentation) with one of the words. */
function lineStartsWith (source: string, index: number, words: RegExp): boolean {
  const lineStart = source.lastIndexOf('\n', index - 1) + 1
  words.lastIndex = lineStart
  return words.test(source)
}

// ---- Auth and SQL: every code language ----

/** Drops words that contain an auth word without being about auth (`blogin`, `id_tokenizer`). */
function isAuthWord (match: RegExpExecArray, source: string): boolean {
  const start = match.index
  const first = source.charCodeAt(start)
  const before = start > 0 ? source.charCodeAt(start - 1) : 32
  // Inside a lower-case word: not a word of its own (an upper-case start is a camelCase boundary).
  if (before >= 97 && before <= 122 && first >= 97 && first <= 122) return false
  const after = source.charCodeAt(start + match[0].length)
  return !(/token$|log_?in$/i.test(match[0]) && after >= 97 && after <= 122)
}

// Upper or lower case spelled out: the confirming pattern is case-sensitive on purpose.
const SQL = String.raw`(?:(?:SELECT|select)\s[^\n]{0,200}?\b(?:FROM|from)\b|(?:INSERT|insert)\s+(?:INTO|into)\b|(?:UPDATE|update)\s+[\w."\x60\[\]]+\s+(?:SET|set)\b|(?:DELETE|delete)\s+(?:FROM|from)\b)`

/** How a string with SQL in it is put together from values: `+` or `.` or `||`, `%`, `.format(`, f-strings, `${}`, `#{}`, `{$x}`, `$x`, Sprintf. */
const STRING_BUILDING = /["'`]\s*(?:\+|\.\s*[$\w]|%\s*[\w(]|\|\|)|(?:\+|\.)\s*["'`]|\.format\s*\(|(?<![\w])[rR]?[fF][rR]?["'][^"'\n]*\{|\$\{|#\{|\{\$|\$"|["'][^"'\n]*\$[A-Za-z_]|\b(?:String\.format|Sprintf|sprintf|format!)\s*\(/

/** An SQL statement in a string that is built from values on its line (or the next few, for template literals). */
function isBuiltSql (match: RegExpExecArray, source: string): boolean {
  const lineStart = source.lastIndexOf('\n', match.index) + 1
  if (!/["'`]/.test(source.slice(lineStart, match.index))) return false
  let end = match.index
  for (let lines = 0; lines < 3 && end !== -1; lines++) end = source.indexOf('\n', end + 1)
  return STRING_BUILDING.test(source.slice(lineStart, end === -1 ? source.length : end))
}

const COMMON: readonly Detector[] = [
  {
    kind: 'auth',
    trigger: 'pass(?:w|phrase)|auth(?:entica|oriz)|log_?in|jwt|jsonwebtoken|bearer|oauth|credential|(?:access|refresh|auth|api|bearer|csrf|session|id)[_-]?token|session_?(?:id|key)',
    accept: isAuthWord
  },
  { kind: 'sql-concat', trigger: String.raw`select\s|insert\s+into|update\s|delete\s+from`, confirm: new RegExp(SQL, 'y'), accept: isBuiltSql }
]

// ---- Secret-like literals: every text file ----

/** Values that name a secret without holding one: placeholders, templates, environment lookups. */
const PLACEHOLDER = /^(?:\$\{|\$\(|%\(|%s|<|\{\{|\*+$|x{4,}|\.{3}|changeme|change_me|your[_-]|example|dummy|placeholder|redacted|none$|null$|undefined$|true$|false$)/i

/**
 * A literal that could be a credential: not a placeholder, and mixing at least two of lower case,
 * upper case, digits and symbols (`quoted-string` is a word, `hunter2-x9` is not).
 */
function looksLikeSecret (value: string): boolean {
  if (PLACEHOLDER.test(value)) return false
  let classes = 0
  if (/[a-z]/.test(value)) classes++
  if (/[A-Z]/.test(value)) classes++
  if (/\d/.test(value)) classes++
  if (/[^A-Za-z\d]/.test(value)) classes++
  return classes >= 2 && !/^[a-z]+(?:[-_.][a-z]+)+$/.test(value)
}

const SECRET_KEY_NAMES = String.raw`api[_-]?key|apikey|secret(?:[_-]?key)?|passw(?:or)?d|pwd|token|access[_-]?key(?:[_-]?id)?|private[_-]?key|client[_-]?secret|credentials?`

export const SECRETS: readonly Detector[] = [
  { kind: 'secret-literal', trigger: 'akia|asia', confirm: /(?:AKIA|ASIA)[0-9A-Z]{16}/y, notAfter: ALNUM_BEFORE },
  { kind: 'secret-literal', trigger: '-----begin ', confirm: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/y },
  {
    kind: 'secret-literal',
    trigger: 'gh[pousr]_|github_pat_|[srp]k_live_|xox[abprs]-|aiza|sk-|eyj',
    confirm: /gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}|[srp]k_live_[0-9A-Za-z]{16,}|xox[abprs]-[0-9A-Za-z-]{10,}|AIza[0-9A-Za-z_-]{35}|sk-(?:proj-)?[A-Za-z0-9_-]{32,}|eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/y,
    notAfter: ALNUM_BEFORE
  },
  {
    kind: 'secret-literal',
    trigger: SECRET_KEY_NAMES,
    confirm: new RegExp(String.raw`(?:${SECRET_KEY_NAMES})["']?\s*(?:=>|:=|[:=])\s*[rbu]?["']([^"'\s]{8,})["']`, 'iy'),
    accept: (match) => looksLikeSecret(match[1] ?? '')
  }
]

/** `KEY=value` lines of .env and config files, where secrets are not quoted. */
const UNQUOTED_SECRET = /^\s*(?:export\s+)?[A-Za-z_]*(?:KEY|SECRET|TOKEN|PASSWORD|PASSWD|PASS)[A-Za-z_]*\s*[=:]\s*(?!["'])([^\s#"']{8,})/gm
const CONFIG_LANGUAGES: ReadonlySet<string> = new Set(['dotenv', 'text', 'yaml', 'ini', 'toml'])

// ---- Crypto, process execution and evaluation: per language ----

const IMPORT_LINE = /[ \t]*(?:import|from)\b/y

const PER_LANGUAGE: Readonly<Record<string, readonly Detector[]>> = {
  python: [
    {
      kind: 'crypto',
      trigger: 'hashlib|hmac|ssl|secrets|cryptodome|cryptography|crypto|nacl|passlib|bcrypt|argon2|pbkdf2|scrypt',
      notAfter: WORD_BEFORE,
      // A library name counts where it is imported or used (`hashlib.sha256`), not in prose.
      accept: (match, source) => {
        const end = match.index + match[0].length
        if (/\w/.test(source[end] ?? '')) return false
        return source[end] === '.' || /^(?:bcrypt|argon2|pbkdf2|scrypt|passlib|nacl|cryptography)$/i.test(match[0]) || lineStartsWith(source, match.index, IMPORT_LINE)
      }
    },
    { kind: 'exec', trigger: String.raw`subprocess|os\.(?:system|popen|exec|spawn)|pty\.spawn|commands\.getoutput`, notAfter: WORD_BEFORE, confirm: /(?:subprocess|os\.(?:system|popen|exec[lv]p?e?|spawn[lv]p?e?)|pty\.spawn|commands\.getoutput)\b/y },
    { kind: 'eval', trigger: 'eval|exec', notAfter: WORD_BEFORE, confirm: /(?:eval|exec)\s*\(/y }
  ],
  javascript: [
    {
      kind: 'crypto',
      trigger: 'crypto|bcrypt|argon2|jsonwebtoken|jose|tweetnacl|libsodium|sodium-native|node-forge',
      accept: (match, source) => {
        const before = source[match.index - 1] ?? ''
        if (match[0] === 'crypto' && /^\.(?:createCipheriv|createDecipheriv|createHash|createHmac|createSign|createVerify|randomBytes|pbkdf2|scrypt|generateKeyPair|subtle)\b/.test(source.slice(match.index + 6, match.index + 30))) return true
        // Otherwise a module specifier: `'crypto'`, `"node:crypto"`, `'bcrypt'`.
        return (before === '"' || before === "'" || source.slice(match.index - 6, match.index).endsWith(':') ) && /["']/.test(source[match.index + match[0].length] ?? '')
      }
    },
    { kind: 'exec', trigger: 'child_process|execa|shelljs|exec|spawn|fork', notAfter: WORD_BEFORE, confirm: /child_process|execa\b|shelljs\b|(?:exec|execSync|execFile|execFileSync|spawn|spawnSync|fork)\s*\(/y },
    { kind: 'eval', trigger: String.raw`eval|new\s+function|vm\.run`, notAfter: WORD_BEFORE, confirm: /eval\s*\(|new\s+Function\s*\(|vm\.run\w*\s*\(/y }
  ],
  go: [
    { kind: 'crypto', trigger: 'crypto/|golang.org/x/crypto', accept: (match, source) => source[match.index - 1] === '"' || match[0].startsWith('golang') },
    { kind: 'exec', trigger: String.raw`os/exec|exec\.command|syscall\.exec`, confirm: /os\/exec"|exec\.Command|syscall\.Exec\b/y }
  ],
  rust: [
    { kind: 'crypto', trigger: 'ring::|sha2::|sha1::|md5::|aes_gcm::|aes::|rsa::|ed25519_dalek::|x25519_dalek::|openssl::|hmac::|argon2::|bcrypt::|chacha20poly1305::|sodiumoxide::', notAfter: /\w/ },
    { kind: 'exec', trigger: 'std::process::command|process::command|command::new', confirm: /(?:std::)?process::Command\b|Command::new\b/y, notAfter: /\w/ }
  ],
  java: [
    { kind: 'crypto', trigger: String.raw`javax\.crypto|java\.security\.|messagedigest|cipher\.getinstance|securerandom|keystore`, confirm: /javax\.crypto|java\.security\.\w|MessageDigest|Cipher\.getInstance|SecureRandom|KeyStore/y, notAfter: /\w/ },
    { kind: 'exec', trigger: String.raw`runtime\.getruntime|processbuilder`, confirm: /Runtime\.getRuntime\(\)\.exec|ProcessBuilder/y, notAfter: /\w/ },
    { kind: 'eval', trigger: 'scriptengine', confirm: /ScriptEngine/y, notAfter: /\w/ }
  ],
  csharp: [
    { kind: 'crypto', trigger: String.raw`system\.security\.cryptography|(?:sha1|sha256|sha384|sha512|md5|aes|rsa|hmacsha256|randomnumbergenerator)\.create`, confirm: /System\.Security\.Cryptography|(?:SHA1|SHA256|SHA384|SHA512|MD5|Aes|RSA|HMACSHA256|RandomNumberGenerator)\.Create\b/y, notAfter: /\w/ },
    { kind: 'exec', trigger: String.raw`process\.start|processstartinfo`, confirm: /Process\.Start\b|ProcessStartInfo/y, notAfter: /\w/ },
    { kind: 'eval', trigger: String.raw`csharpscript\.`, confirm: /CSharpScript\./y }
  ],
  c: [
    { kind: 'crypto', trigger: String.raw`openssl/|evp_|sha1|sha256|sha512|sodium\.h|crypto_(?:box|secretbox|sign|aead)`, confirm: /openssl\/|EVP_\w+|SHA(?:1|256|512)_?\w*\s*\(|sodium\.h|crypto_(?:box|secretbox|sign|aead)/y, notAfter: /\w/ },
    { kind: 'exec', trigger: 'system|popen|_popen|exec[lv]|posix_spawn|createprocess|shellexecute', notAfter: /[\w.>]/, confirm: /(?:system|popen|_popen|exec[lv]p?e?|posix_spawnp?|CreateProcess\w*|ShellExecute\w*)\s*\(/y }
  ],
  php: [
    { kind: 'crypto', trigger: 'openssl_|hash_hmac|password_hash|password_verify|sodium_|mcrypt_|md5|sha1|crypt', notAfter: /[\w$>.]/, confirm: /(?:openssl_\w+|hash_hmac|password_hash|password_verify|sodium_\w+|mcrypt_\w+|md5|sha1|crypt)\s*\(/y },
    { kind: 'exec', trigger: 'shell_exec|exec|system|passthru|proc_open|popen|pcntl_exec', notAfter: /[\w$>.]/, confirm: /(?:shell_exec|exec|system|passthru|proc_open|popen|pcntl_exec)\s*\(/y },
    { kind: 'exec', trigger: '`', confirm: /`[^`\n]+`/y },
    { kind: 'eval', trigger: 'eval|create_function|assert', notAfter: /[\w$>.]/, confirm: /eval\s*\(|create_function\s*\(|assert\s*\(\s*\$/y }
  ],
  ruby: [
    {
      kind: 'crypto',
      trigger: 'openssl|digest::|bcrypt|securerandom|jwt',
      accept: (match, source) => /^(?:OpenSSL::|Digest::|BCrypt|SecureRandom)/.test(source.slice(match.index, match.index + 14)) ||
        (/["']/.test(source[match.index - 1] ?? '') && /["']/.test(source[match.index + match[0].length] ?? ''))
    },
    { kind: 'exec', trigger: '`', confirm: /`[^`\n]+`/y },
    { kind: 'exec', trigger: String.raw`%x[({[]|system|exec|spawn|io\.popen|open3|process\.spawn`, notAfter: /[\w]/, confirm: /%x[({[]|(?:system|exec|spawn)\s*[(\s'"]|IO\.popen|Open3|Process\.spawn/y },
    { kind: 'eval', trigger: 'eval|instance_eval|class_eval|module_eval', notAfter: /[\w.]/, confirm: /(?:instance_|class_|module_)?eval\b/y }
  ],
  bash: [
    { kind: 'crypto', trigger: 'openssl|gpg|sha256sum|sha512sum|ssh-keygen|age-keygen', notAfter: /[\w-]/ },
    { kind: 'exec', trigger: '`', confirm: /`[^`\n]+`/y },
    { kind: 'exec', trigger: String.raw`\$\((?!\()`, confirm: /\$\((?!\()/y },
    { kind: 'exec', trigger: String.raw`(?:bash|sh|zsh)\s+-c\b`, notAfter: /[\w-]/ },
    { kind: 'exec', trigger: String.raw`exec\s`, notAfter: /[\w-]/, accept: (match, source) => lineStartsWith(source, match.index, /[ \t]*exec\s/y) },
    { kind: 'eval', trigger: String.raw`eval\s`, notAfter: /[\w-]/ }
  ],
  powershell: [
    { kind: 'crypto', trigger: String.raw`system\.security\.cryptography|convertto-securestring|convertfrom-securestring|get-filehash|protect-cmsmessage` },
    { kind: 'exec', trigger: String.raw`start-process|invoke-command|\[diagnostics\.process\]|cmd(?:\.exe)?\s+/c\b` },
    { kind: 'eval', trigger: 'invoke-expression|iex', notAfter: /[\w-]/, confirm: /invoke-expression|iex\b/iy }
  ]
}
const LANGUAGE_FAMILY: Readonly<Record<string, string>> = { typescript: 'javascript', tsx: 'javascript', cpp: 'c' }

/**
 * A detector ready to run: every field present (null when the detector has none), so each object has one
 * shape and the code that reads them stays monomorphic (detectors of several shapes cost a deoptimisation).
 */
interface CompiledDetector {
  kind: FindingKind
  trigger: RegExp
  confirm: RegExp | null
  notAfter: RegExp | null
  accept: NonNullable<Detector['accept']> | null
}

interface Scanner {
  triggers: RegExp
  /**
   * The same triggers without the `i` flag, for the lower-cased text: set when the pattern has no upper-case
   * letter (so no `\S`-like escape either), which makes lower-casing the text and matching case-sensitively
   * find every place the case-insensitive scan finds. It scans a third faster.
   */
  lowerTriggers?: RegExp
  detectors: CompiledDetector[]
}

const scanners = new Map<string, Scanner>()

/**
 * The places of the top-level `|` in a regex source (outside groups and classes, not escaped), and
 * whether its parentheses balance at every prefix (so `(?:a)|(?:b)` is not one group).
 */
function topLevelBars (source: string): { bars: number[], balanced: boolean } {
  const bars: number[] = []
  let depth = 0
  let inClass = false
  let balanced = true
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') { i++; continue }
    if (inClass) { if (c === ']') inClass = false; continue }
    if (c === '[') inClass = true
    else if (c === '(') depth++
    else if (c === ')' && --depth < 0) balanced = false
    else if (c === '|' && depth === 0) bars.push(i)
  }
  return { bars, balanced: balanced && depth === 0 }
}

/** The top-level alternatives of a regex source (`a|b(c|d)|[|]` → `a`, `b(c|d)`, `[|]`), each unwrapped when it is one whole `(?:...)` group. */
export function topAlternatives (source: string): string[] {
  const { bars } = topLevelBars(source)
  const alternatives = [-1, ...bars].map((bar, i) => source.slice(bar + 1, bars[i] ?? source.length))
  return alternatives.flatMap((alternative) => {
    const inner = alternative.startsWith('(?:') && alternative.endsWith(')') ? alternative.slice(3, -1) : null
    return inner !== null && topLevelBars(inner).balanced ? topAlternatives(inner) : [alternative]
  })
}

const PLAIN_FIRST = /^[a-z0-9_]/i
const QUANTIFIER = /^[?*+{]/

/**
 * One case-insensitive regex for alternatives, factored by their first letters into a trie
 * (`hashlib|hmac` → `h(?:ashlib|mac)`): irregexp tries a plain alternation one branch after another at
 * every position, the factored form one branch per letter, twice as fast over a corpus. Alternatives
 * that start with anything else (a class, an escape, a group) follow unchanged. It matches the same
 * texts at the same places.
 */
export function factorAlternatives (alternatives: readonly string[], depth = 2): string {
  const groups = new Map<string, string[]>()
  const rest: string[] = []
  for (const alternative of alternatives) {
    const first = alternative.charAt(0)
    if (depth > 0 && PLAIN_FIRST.test(first) && !QUANTIFIER.test(alternative.slice(1))) {
      const key = first.toLowerCase()
      const group = groups.get(key)
      if (group === undefined) groups.set(key, [alternative.slice(1)])
      else group.push(alternative.slice(1))
    } else {
      rest.push(alternative)
    }
  }
  const factored = [...groups].map(([first, tails]) => tails.length === 1
    ? `${first}${(tails[0] as string).includes('|') ? `(?:${tails[0] as string})` : tails[0] as string}`
    : `${first}(?:${factorAlternatives(tails, depth - 1)})`)
  return [...factored, ...rest.map((alternative) => alternative.includes('|') ? `(?:${alternative})` : alternative)].join('|')
}

/** The scanner of a language (code) or of any text file: compiled once per thread and kind. */
function scannerFor (language: string | null, isCode: boolean): Scanner {
  const key = isCode ? `code:${language ?? ''}` : 'text'
  let scanner = scanners.get(key)
  if (scanner === undefined) {
    const detectors = isCode
      ? [...(PER_LANGUAGE[LANGUAGE_FAMILY[language ?? ''] ?? language ?? ''] ?? []), ...COMMON, ...SECRETS]
      : [...SECRETS]
    const source = factorAlternatives(detectors.flatMap((detector) => topAlternatives(detector.trigger)))
    scanner = {
      triggers: new RegExp(source, 'gi'),
      detectors: detectors.map((detector): CompiledDetector => ({
        kind: detector.kind,
        trigger: new RegExp(detector.trigger, 'iy'),
        confirm: detector.confirm ?? null,
        notAfter: detector.notAfter ?? null,
        accept: detector.accept ?? null
      }))
    }
    if (source === source.toLowerCase()) scanner.lowerTriggers = new RegExp(source, 'g')
    scanners.set(key, scanner)
  }
  return scanner
}

/** Offsets where each line starts, for turning a match index into a 1-based line. */
function lineStarts (source: string): number[] {
  const starts = [0]
  for (let index = source.indexOf('\n'); index !== -1; index = source.indexOf('\n', index + 1)) starts.push(index + 1)
  return starts
}

function lineOf (starts: readonly number[], offset: number): number {
  let low = 0
  let high = starts.length - 1
  while (low < high) {
    const mid = (low + high + 1) >> 1
    if ((starts[mid] as number) <= offset) low = mid
    else high = mid - 1
  }
  return low + 1
}

/** The confirmed match of a detector at `index`, or null. */
function confirmAt (compiled: CompiledDetector, source: string, index: number): RegExpExecArray | null {
  const { trigger, confirm, notAfter, accept } = compiled
  trigger.lastIndex = index
  let match = trigger.exec(source)
  if (match === null) return null
  if (notAfter !== null && index > 0 && notAfter.test(source[index - 1] as string)) return null
  if (confirm !== null) {
    confirm.lastIndex = index
    match = confirm.exec(source)
    if (match === null) return null
  }
  if (accept !== null && !accept(match, source)) return null
  return match
}

/**
 * The findings of one file, sorted by line then kind. `isCode` says whether the code detectors apply
 * (secret detectors apply to every text file).
 *
 * `viaLowerCase` false scans the text as it is, case-insensitively: the reference the tests compare the
 * faster scan of the lower-cased text with.
 */
export function scanFindings (source: string, language: string | null, isCode: boolean, viaLowerCase = true): SecurityFinding[] {
  const findings: SecurityFinding[] = []
  const seen = new Set<string>()
  const perKind = new Map<FindingKind, number>()
  let starts: number[] | null = null
  const record = (kind: FindingKind, offset: number): void => {
    const count = perKind.get(kind) ?? 0
    if (count >= MAX_FINDINGS_PER_KIND) return
    starts ??= lineStarts(source)
    const line = lineOf(starts, offset)
    const key = `${kind}:${line}`
    if (seen.has(key)) return
    seen.add(key)
    perKind.set(kind, count + 1)
    findings.push({ kind, line })
  }
  const scanner = scannerFor(language, isCode)
  // The triggers run case-sensitively over the lower-cased text, which finds the same places: in Unicode only
  // two characters lower-case other than a case-insensitive regex (without the u flag) folds them. İ becomes
  // two characters (every later offset would move) and the Kelvin sign becomes an ASCII k (which the regex does
  // not fold to k): a text with either is scanned as it is. Each detector then checks the text itself.
  let triggers = scanner.triggers
  let text = source
  if (viaLowerCase && scanner.lowerTriggers !== undefined && !source.includes('\u212a')) {
    const lowered = source.toLowerCase()
    if (lowered.length === source.length) {
      triggers = scanner.lowerTriggers
      text = lowered
    }
  }
  triggers.lastIndex = 0
  for (let hit = triggers.exec(text); hit !== null; hit = triggers.exec(text)) {
    for (const compiled of scanner.detectors) {
      if (confirmAt(compiled, source, hit.index) !== null) record(compiled.kind, hit.index)
    }
  }
  if (language !== null && CONFIG_LANGUAGES.has(language)) {
    UNQUOTED_SECRET.lastIndex = 0
    for (let match = UNQUOTED_SECRET.exec(source); match !== null; match = UNQUOTED_SECRET.exec(source)) {
      if (looksLikeSecret(match[1] ?? '')) record('secret-literal', match.index + (match[0].length - (match[1]?.length ?? 0)))
    }
  }
  findings.sort((a, b) => a.line - b.line || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0))
  return findings
}

export const REDACTED = '[redacted]'

/**
 * Text copied out of a file (docs, import specifiers) with anything secret-like replaced, so a
 * credential written in a comment never reaches a record.
 */
export function redactSecrets (text: string): string {
  const scanner = scannerFor(null, false)
  const spans: Array<[number, number]> = []
  const triggers = new RegExp(scanner.triggers.source, 'gi')
  for (let hit = triggers.exec(text); hit !== null; hit = triggers.exec(text)) {
    for (const compiled of scanner.detectors) {
      const match = confirmAt(compiled, text, hit.index)
      if (match !== null) spans.push([hit.index, hit.index + match[0].length])
    }
  }
  if (spans.length === 0) return text
  spans.sort((a, b) => a[0] - b[0])
  let result = ''
  let at = 0
  for (const [start, end] of spans) {
    if (end <= at) continue
    result += text.slice(at, Math.max(at, start)) + REDACTED
    at = end
  }
  return result + text.slice(at)
}
