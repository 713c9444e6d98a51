/** Which project files import which: import specifiers resolved to paths in the tree, per language's rules. */
import { posix } from 'node:path'

/** A Go module (`module example.com/x` in `dir/go.mod`) or a Rust crate (`dir/Cargo.toml`). */
export interface PackageRoot {
  /** Directory of the manifest, relative to the root ('' for the root). */
  directory: string
  /** The Go module path; absent for a Rust crate. */
  module?: string
}

export interface ImportingFile {
  path: string
  language: string | null
  imports: readonly string[]
}

const JS_EXTENSIONS = ['.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts', '.d.ts']
const JS_LANGUAGES: ReadonlySet<string> = new Set(['javascript', 'typescript', 'tsx'])
const C_HEADERS = ['', '.h', '.hpp', '.hh']

function stripExtension (path: string): string {
  const slash = path.lastIndexOf('/')
  const dot = path.lastIndexOf('.')
  return dot > slash + 1 ? path.slice(0, dot) : path
}

/** `a/b/../c` → `a/c`; null when it climbs above the root. */
function normalize (path: string): string | null {
  const normal = posix.normalize(path)
  if (normal === '..' || normal.startsWith('../') || normal.startsWith('/')) return null
  return normal === '.' ? '' : normal.replace(/\/$/, '')
}

/**
 * A Python `M.n` (or `.n`, or `.`) that is no module but a name imported from M, which the same file lists: it says
 * nothing M does not (see fromImportSpecifiers), so it is neither an edge nor an external import.
 */
function isImportedName (specifier: string, listed: ReadonlySet<string>): boolean {
  if (/^\.+$/.test(specifier)) return true
  const dot = specifier.lastIndexOf('.')
  if (dot === -1) return false
  const module = /^\.+\w+$/.test(specifier) ? specifier.slice(0, dot + 1) : specifier.slice(0, dot)
  return listed.has(module)
}

export class ModuleGraph {
  /** File → the project paths (files, or directories for Go packages and wildcard imports) it imports. */
  readonly edges = new Map<string, Set<string>>()
  /** Imported path → the files that import it. */
  private readonly reverse = new Map<string, Set<string>>()
  /** File → the imports that did not resolve inside the project (third-party and standard library). */
  readonly external = new Map<string, string[]>()
  private readonly files: ReadonlySet<string>
  private readonly directories: ReadonlySet<string>
  /** Path without extension → paths, for every suffix of whole segments (`a/b/c`, `b/c`, `c`). */
  private readonly suffixes = new Map<string, string[]>()

  constructor (allPaths: readonly string[], importing: readonly ImportingFile[], private readonly packageRoots: readonly PackageRoot[] = []) {
    this.files = new Set(allPaths)
    const directories = new Set<string>([''])
    for (const path of allPaths) {
      for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) directories.add(path.slice(0, slash))
      // Every suffix of whole segments is the path itself or what follows one of its slashes.
      const bare = stripExtension(path)
      this.addSuffix(bare, path)
      for (let slash = bare.indexOf('/'); slash !== -1; slash = bare.indexOf('/', slash + 1)) this.addSuffix(bare.slice(slash + 1), path)
    }
    this.directories = directories
    for (const file of importing) {
      const targets = new Set<string>()
      const external: string[] = []
      const listed = new Set(file.imports)
      for (const specifier of file.imports) {
        const target = this.resolve(file.path, file.language, specifier)
        if (target === null) {
          if (file.language !== 'python' || !isImportedName(specifier, listed)) external.push(specifier)
        } else if (target !== file.path) targets.add(target)
      }
      this.edges.set(file.path, targets)
      for (const target of targets) {
        const importers = this.reverse.get(target)
        if (importers === undefined) this.reverse.set(target, new Set([file.path]))
        else importers.add(file.path)
      }
      if (external.length > 0) this.external.set(file.path, external)
    }
  }

  private addSuffix (suffix: string, path: string): void {
    const list = this.suffixes.get(suffix)
    if (list === undefined) this.suffixes.set(suffix, [path])
    else list.push(path)
  }

  /** The project file or directory a specifier names, or null when it is outside the project. */
  resolve (from: string, language: string | null, specifier: string): string | null {
    const directory = posix.dirname(from) === '.' ? '' : posix.dirname(from)
    switch (language) {
      case 'javascript': case 'typescript': case 'tsx': case 'css':
        return this.resolveRelativeScript(directory, specifier, language)
      case 'python': return this.resolvePython(directory, specifier)
      case 'go': return this.resolveGo(specifier)
      case 'rust': return this.resolveRust(from, specifier)
      case 'java': return this.resolveDotted(from, specifier, '.java')
      case 'c': case 'cpp': return this.resolveInclude(directory, specifier)
      case 'ruby': return this.resolveRuby(directory, specifier)
      case 'php': return this.resolvePhp(from, directory, specifier)
      case 'bash': case 'powershell': return this.firstFile([this.join(directory, specifier.replace(/\\/g, '/')), normalize(specifier.replace(/\\/g, '/'))])
      default: return null
    }
  }

  private join (directory: string, relative: string): string | null {
    return normalize(directory === '' ? relative : directory + '/' + relative)
  }

  private firstFile (candidates: ReadonlyArray<string | null>): string | null {
    for (const candidate of candidates) if (candidate !== null && candidate !== '' && this.files.has(candidate)) return candidate
    return null
  }

  /** The single file whose path ends with these segments (nearest to `from` when several do). */
  private bySuffix (suffix: string, from: string, accept: (path: string) => boolean): string | null {
    const candidates = (this.suffixes.get(suffix) ?? []).filter(accept)
    if (candidates.length <= 1) return candidates[0] ?? null
    let best: string | null = null
    let bestShared = -1
    const b = from.split('/')
    for (const candidate of candidates) {
      let shared = 0
      const a = candidate.split('/')
      while (shared < a.length && shared < b.length && a[shared] === b[shared]) shared++
      if (shared > bestShared) { best = candidate; bestShared = shared }
    }
    return best
  }

  private resolveRelativeScript (directory: string, specifier: string, language: string): string | null {
    if (!specifier.startsWith('./') && !specifier.startsWith('../') && !(language === 'css' && !specifier.includes(':'))) return null
    const base = this.join(directory, specifier)
    if (base === null) return null
    const candidates: Array<string | null> = [base]
    // NodeNext imports name the compiled `.js`: the source is the `.ts` beside it.
    const compiled = /\.(m|c)?jsx?$/.exec(base)
    if (compiled !== null) {
      const stem = base.slice(0, -compiled[0].length)
      const flavour = compiled[1] ?? ''
      candidates.push(`${stem}.${flavour}ts`, `${stem}.tsx`)
    }
    if (JS_LANGUAGES.has(language)) {
      for (const extension of JS_EXTENSIONS) candidates.push(base + extension)
      for (const extension of JS_EXTENSIONS) candidates.push(`${base}/index${extension}`)
    }
    return this.firstFile(candidates)
  }

  private resolvePython (directory: string, specifier: string): string | null {
    const dots = /^\.*/.exec(specifier)?.[0].length ?? 0
    const dotted = specifier.slice(dots)
    const relativePath = dotted === '' ? '' : dotted.split('.').join('/')
    if (dots > 0) {
      let base = directory
      for (let i = 1; i < dots; i++) base = base === '' ? '' : posix.dirname(base) === '.' ? '' : posix.dirname(base)
      const module = relativePath === '' ? base : (base === '' ? relativePath : `${base}/${relativePath}`)
      return this.firstFile([`${module}.py`, module === '' ? '__init__.py' : `${module}/__init__.py`])
    }
    const isPython = (path: string): boolean => path.endsWith('.py') || path.endsWith('.pyi')
    return this.bySuffix(relativePath, directory, isPython) ?? this.bySuffix(`${relativePath}/__init__`, directory, isPython)
  }

  private resolveGo (specifier: string): string | null {
    for (const root of this.packageRoots) {
      if (root.module === undefined) continue
      if (specifier !== root.module && !specifier.startsWith(root.module + '/')) continue
      const rest = specifier.slice(root.module.length + 1)
      const directory = normalize(root.directory === '' ? rest : rest === '' ? root.directory : `${root.directory}/${rest}`)
      if (directory !== null && this.directories.has(directory)) return directory
    }
    return null
  }

  private resolveRust (from: string, specifier: string): string | null {
    const path = specifier.replace(/::\{.*$/s, '').replace(/\s+as\s+\w+$/, '').split('::')
    const head = path[0]
    let base: string | null
    if (head === 'crate') {
      const crate = this.packageRoots
        .filter((root) => root.module === undefined && (root.directory === '' || from.startsWith(root.directory + '/')))
        .sort((a, b) => b.directory.length - a.directory.length)[0]
      if (crate === undefined) return null
      base = crate.directory === '' ? 'src' : `${crate.directory}/src`
    } else if (head === 'self' || head === 'super') {
      const directory = posix.dirname(from)
      const moduleDirectory = /(?:^|\/)(?:mod|lib|main)\.rs$/.test(from) ? directory : stripExtension(from)
      base = head === 'self' ? moduleDirectory : posix.dirname(moduleDirectory)
    } else {
      return null
    }
    const segments = path.slice(1)
    // The longest prefix of the path that is a module file: `crate::a::b::Item` is in a/b.rs or a.rs.
    for (let length = segments.length; length > 0; length--) {
      const module = [base, ...segments.slice(0, length)].join('/')
      const hit = this.firstFile([`${module}.rs`, `${module}/mod.rs`])
      if (hit !== null) return hit
    }
    // An item of the module itself: the crate root, or the parent (`super`) or current (`self`) module's file.
    return head === 'crate'
      ? this.firstFile([`${base}/lib.rs`, `${base}/main.rs`])
      : this.firstFile([`${base}.rs`, `${base}/mod.rs`])
  }

  private resolveDotted (from: string, specifier: string, extension: string): string | null {
    const cleaned = specifier.replace(/^static\s+/, '')
    if (cleaned.endsWith('.*')) {
      const suffix = cleaned.slice(0, -2).split('.').join('/')
      for (const directory of this.directories) if (directory === suffix || directory.endsWith('/' + suffix)) return directory
      return null
    }
    const segments = cleaned.split('.')
    // `a.b.C.method` (static imports) names a member: try the longest prefix that is a file.
    for (let length = segments.length; length > 1; length--) {
      const hit = this.bySuffix(segments.slice(0, length).join('/'), from, (path) => path.endsWith(extension))
      if (hit !== null) return hit
    }
    return null
  }

  private resolveInclude (directory: string, specifier: string): string | null {
    const local = this.firstFile(C_HEADERS.map((extension) => this.join(directory, specifier + extension)))
    if (local !== null) return local
    const fromRoot = this.firstFile([normalize(specifier)])
    if (fromRoot !== null) return fromRoot
    return this.bySuffix(stripExtension(specifier), directory, (path) => path.endsWith(posix.basename(specifier)))
  }

  private resolveRuby (directory: string, specifier: string): string | null {
    const withExtension = specifier.endsWith('.rb') ? specifier : specifier + '.rb'
    const relative = this.firstFile([this.join(directory, withExtension)])
    if (relative !== null) return relative
    return this.bySuffix(stripExtension(withExtension), directory, (path) => path.endsWith('.rb'))
  }

  private resolvePhp (from: string, directory: string, specifier: string): string | null {
    if (specifier.includes('/') || specifier.endsWith('.php')) {
      const relative = specifier.replace(/^\//, '')
      return this.firstFile([this.join(directory, relative), normalize(relative)])
    }
    // `use App\Models\User`: PSR-4 maps the first namespace segments to a source folder.
    const segments = specifier.replace(/^\\/, '').split('\\')
    for (let start = 0; start < segments.length - 1; start++) {
      const hit = this.bySuffix(segments.slice(start).join('/'), from, (path) => path.endsWith('.php'))
      if (hit !== null) return hit
    }
    return null
  }

  /** Files that import `path` (a file), directly or through its directory (Go packages, wildcard imports). */
  importersOf (path: string): string[] {
    const directory = posix.dirname(path)
    const importers = new Set([...(this.reverse.get(path) ?? []), ...(this.reverse.get(directory) ?? [])])
    importers.delete(path)
    return [...importers].sort()
  }
}
