/** Build manifests (package.json, go.mod, Cargo.toml, pyproject.toml, ...) read into names, descriptions and technologies. */
import { basename } from 'node:path'
import { technologyOf, type Ecosystem } from '../context/technology-names.js'
import { normalizeTechnologies } from './technologies.js'
import { parseTomlSubset, type TomlValue } from './toml-subset.js'

export type ManifestKind = 'npm' | 'go' | 'cargo' | 'python' | 'maven' | 'gradle' | 'ruby' | 'composer' | 'dotnet'

export interface Manifest {
  /** Where it was found, relative to the root (POSIX). */
  path: string
  kind: ManifestKind
  name?: string
  description?: string
  version?: string
  /** The language runtime and its version as the manifest states it (`go 1.22`, `net8.0`). */
  runtimeVersion?: string
  /** Lower case, deduplicated, sorted: the runtime and the well-known dependencies. */
  technologies: string[]
  /** Every dependency named, as written. */
  dependencies: string[]
  /** Files the manifest names as entry points (package.json `main`, `bin`), relative to the manifest. */
  entryPoints: string[]
}

/** The kind of manifest a file name is, or null. */
export function manifestKind (fileName: string): ManifestKind | null {
  const name = basename(fileName)
  const lower = name.toLowerCase()
  if (name === 'package.json') return 'npm'
  if (name === 'go.mod') return 'go'
  if (name === 'Cargo.toml') return 'cargo'
  if (name === 'pyproject.toml' || name === 'Pipfile' || name === 'setup.cfg' || /^requirements(?:[-_.][\w.-]*)?\.txt$/.test(lower)) return 'python'
  if (name === 'pom.xml') return 'maven'
  if (name === 'build.gradle' || name === 'build.gradle.kts') return 'gradle'
  if (name === 'Gemfile') return 'ruby'
  if (name === 'composer.json') return 'composer'
  if (lower.endsWith('.csproj') || lower.endsWith('.fsproj') || lower.endsWith('.vbproj')) return 'dotnet'
  return null
}

function asString (value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}

function mapped (ecosystem: Ecosystem, dependencies: readonly string[]): string[] {
  const found: string[] = []
  for (const dependency of dependencies) {
    const technology = technologyOf(ecosystem, dependency)
    if (technology !== undefined) found.push(technology)
  }
  return found
}

/** `go 1.22` from `go` and `1.22`; undefined when there is no version. */
function prefixed (runtime: string, version: string | undefined): string | undefined {
  return version === undefined || version === '' ? undefined : `${runtime} ${version}`
}

/** A manifest from what a reader found: absent or empty fields are left out. */
function manifest (path: string, kind: ManifestKind, fields: Partial<Manifest> & { technologies: string[] }): Manifest {
  const result: Manifest = {
    path,
    kind,
    technologies: normalizeTechnologies(fields.technologies),
    dependencies: [...new Set(fields.dependencies ?? [])].sort(),
    entryPoints: fields.entryPoints ?? []
  }
  for (const key of ['name', 'description', 'version', 'runtimeVersion'] as const) {
    const value = fields[key]
    if (value !== undefined && value !== '') result[key] = value
  }
  return result
}

function objectKeys (value: unknown): string[] {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : []
}

function relativeEntry (file: string): string {
  return file.replace(/^\.\//, '')
}

function readPackageJson (path: string, text: string): Manifest {
  const pkg = JSON.parse(text) as Record<string, unknown>
  const dependencies = [
    ...objectKeys(pkg.dependencies), ...objectKeys(pkg.devDependencies), ...objectKeys(pkg.peerDependencies), ...objectKeys(pkg.optionalDependencies)
  ]
  const technologies = ['node', ...mapped('npm', dependencies)]
  if (typeof pkg.types === 'string' || typeof pkg.typings === 'string') technologies.push('typescript')
  const entryPoints: string[] = []
  for (const field of ['main', 'module'] as const) {
    const value = asString(pkg[field])
    if (value !== undefined) entryPoints.push(relativeEntry(value))
  }
  if (typeof pkg.bin === 'string') entryPoints.push(relativeEntry(pkg.bin))
  for (const value of Object.values(typeof pkg.bin === 'object' && pkg.bin !== null ? pkg.bin : {})) {
    if (typeof value === 'string') entryPoints.push(relativeEntry(value))
  }
  return manifest(path, 'npm', { technologies, dependencies, entryPoints, name: asString(pkg.name), description: asString(pkg.description), version: asString(pkg.version) })
}

function readGoMod (path: string, text: string): Manifest {
  const module = /^\s*module\s+(\S+)/m.exec(text)?.[1]
  const goVersion = /^\s*go\s+(\d[\w.]*)/m.exec(text)?.[1]
  const dependencies: string[] = []
  for (const block of text.matchAll(/^\s*require\s*\(([\s\S]*?)^\s*\)/gm)) {
    for (const line of (block[1] ?? '').split('\n')) {
      const dependency = /^\s*([^\s/]+\/\S+|[^\s]+\.[^\s]+)\s+v/.exec(line)?.[1]
      if (dependency !== undefined) dependencies.push(dependency)
    }
  }
  for (const single of text.matchAll(/^\s*require\s+([^\s(]+)\s+v/gm)) dependencies.push(single[1] as string)
  if (module === undefined && goVersion === undefined && dependencies.length === 0) throw new Error('not a go.mod')
  return manifest(path, 'go', { technologies: ['go', ...mapped('go', dependencies)], dependencies, name: module, runtimeVersion: prefixed('go', goVersion) })
}

function tomlString (value: TomlValue | undefined): string | undefined {
  return typeof value === 'string' ? asString(value) : undefined
}

function readCargoToml (path: string, text: string): Manifest {
  const tables = parseTomlSubset(text)
  const pkg = tables.get('package') ?? tables.get('workspace.package')
  const dependencies: string[] = []
  for (const [table, keys] of tables) {
    const match = /^(?:target\..+\.)?(?:workspace\.)?(?:dev-|build-)?dependencies(?:\.(.+))?$/.exec(table)
    if (match === null) continue
    if (match[1] !== undefined) dependencies.push(match[1])
    else dependencies.push(...keys.keys())
  }
  return manifest(path, 'cargo', {
    technologies: ['rust', ...mapped('rust', dependencies)],
    dependencies,
    name: tomlString(pkg?.get('name')),
    description: tomlString(pkg?.get('description')),
    version: tomlString(pkg?.get('version')),
    runtimeVersion: prefixed('rust edition', tomlString(pkg?.get('edition')))
  })
}

/** `flask[async]>=2.0 ; python_version > "3.8"` → `flask`. */
function requirementName (requirement: string): string | undefined {
  return /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(requirement)?.[1]?.toLowerCase()
}

function readPyproject (path: string, text: string): Manifest {
  const tables = parseTomlSubset(text)
  const project = tables.get('project')
  const poetry = tables.get('tool.poetry')
  const dependencies: string[] = []
  const list = project?.get('dependencies')
  if (Array.isArray(list)) for (const item of list) { const name = requirementName(item); if (name !== undefined) dependencies.push(name) }
  for (const [table, keys] of tables) {
    if (table === 'project.optional-dependencies') {
      for (const value of keys.values()) if (Array.isArray(value)) for (const item of value) { const name = requirementName(item); if (name !== undefined) dependencies.push(name) }
    }
    if (/^tool\.poetry\.(?:dev-)?dependencies$|^tool\.poetry\.group\..+\.dependencies$/.test(table)) {
      for (const key of keys.keys()) if (key !== 'python') dependencies.push(key.toLowerCase())
    }
  }
  const field = (key: string): string | undefined => tomlString(project?.get(key)) ?? tomlString(poetry?.get(key))
  return manifest(path, 'python', {
    technologies: ['python', ...mapped('python', dependencies)],
    dependencies,
    name: field('name'),
    description: field('description'),
    version: field('version'),
    runtimeVersion: prefixed('python', tomlString(project?.get('requires-python')))
  })
}

function readRequirements (path: string, text: string): Manifest {
  const dependencies: string[] = []
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s#.*$/, '').trim()
    if (line === '' || line.startsWith('#') || line.startsWith('-')) continue
    const name = requirementName(line)
    if (name !== undefined) dependencies.push(name)
  }
  return manifest(path, 'python', { technologies: ['python', ...mapped('python', dependencies)], dependencies })
}

function readPipfileOrSetupCfg (path: string, text: string): Manifest {
  const tables = parseTomlSubset(text)
  const dependencies: string[] = []
  for (const table of ['packages', 'dev-packages']) for (const key of tables.get(table)?.keys() ?? []) dependencies.push(key.toLowerCase())
  const metadata = /\[metadata\]([\s\S]*?)(?:^\[|$(?![\s\S]))/m.exec(text)?.[1] ?? ''
  return manifest(path, 'python', {
    technologies: ['python', ...mapped('python', dependencies)],
    dependencies,
    name: /^\s*name\s*=\s*(.+)$/m.exec(metadata)?.[1]?.trim(),
    description: /^\s*description\s*=\s*(.+)$/m.exec(metadata)?.[1]?.trim()
  })
}

function xmlText (xml: string, tag: string): string | undefined {
  const value = new RegExp(`<${tag}>\\s*([^<]*?)\\s*</${tag}>`).exec(xml)?.[1]
  return value === undefined || value === '' ? undefined : value
}

function readPom (path: string, text: string): Manifest {
  if (!/<project[\s>]/.test(text)) throw new Error('not a pom.xml')
  const parent = /<parent>([\s\S]*?)<\/parent>/.exec(text)?.[1] ?? ''
  // The project's own coordinates: outside <parent>, <dependencies>, <build> and <profiles>.
  const own = text.replace(/<(parent|dependencies|dependencyManagement|build|profiles|plugins|reporting)>[\s\S]*?<\/\1>/g, '')
  const dependencies: string[] = []
  for (const block of text.matchAll(/<dependency>([\s\S]*?)<\/dependency>/g)) {
    const group = xmlText(block[1] ?? '', 'groupId')
    const artifact = xmlText(block[1] ?? '', 'artifactId')
    if (group !== undefined && artifact !== undefined) dependencies.push(`${group}:${artifact}`)
  }
  const parentGroup = xmlText(parent, 'groupId')
  const coordinates = parentGroup === undefined ? dependencies : [...dependencies, `${parentGroup}:${xmlText(parent, 'artifactId') ?? ''}`]
  const technologies = ['java', 'maven', ...mapped('jvm', coordinates)]
  if (/kotlin-maven-plugin|kotlin-stdlib/.test(text)) technologies.push('kotlin')
  const javaVersion = xmlText(text, 'java.version') ?? xmlText(text, 'maven.compiler.release') ?? xmlText(text, 'maven.compiler.source')
  return manifest(path, 'maven', {
    technologies,
    dependencies,
    name: xmlText(own, 'name') ?? xmlText(own, 'artifactId'),
    description: xmlText(own, 'description'),
    version: xmlText(own, 'version'),
    runtimeVersion: prefixed('java', javaVersion)
  })
}

function readGradle (path: string, text: string): Manifest {
  const dependencies: string[] = []
  const configurations = /\b(?:implementation|api|compileOnly|runtimeOnly|testImplementation|testRuntimeOnly|annotationProcessor|kapt|compile|testCompile)\s*\(?\s*["']([^"':]+:[^"':]+)(?::[^"']*)?["']/g
  for (const match of text.matchAll(configurations)) dependencies.push(match[1] as string)
  const plugins: string[] = []
  for (const match of text.matchAll(/\bid\s*\(?\s*["']([\w.-]+)["']/g)) plugins.push(match[1] as string)
  const isKotlin = (path.endsWith('.kts') && /kotlin\s*\(/.test(text)) || plugins.some((plugin) => plugin.startsWith('org.jetbrains.kotlin')) || /\bkotlin\s*\(\s*["']jvm["']\s*\)/.test(text)
  const technologies = [isKotlin ? 'kotlin' : 'java', 'gradle', ...mapped('jvm', [...dependencies, ...plugins])]
  if (isKotlin && /\bjava\b/.test(text)) technologies.push('java')
  const javaVersion = /JavaVersion\.VERSION_(\d+)|languageVersion\.set\(JavaLanguageVersion\.of\((\d+)\)\)|jvmToolchain\((\d+)\)/.exec(text)
  return manifest(path, 'gradle', {
    technologies,
    dependencies,
    description: /^\s*description\s*=\s*["']([^"']+)["']/m.exec(text)?.[1],
    version: /^\s*version\s*=\s*["']([^"']+)["']/m.exec(text)?.[1],
    runtimeVersion: prefixed('java', javaVersion === null ? undefined : javaVersion[1] ?? javaVersion[2] ?? javaVersion[3])
  })
}

function readGemfile (path: string, text: string): Manifest {
  const dependencies: string[] = []
  for (const match of text.matchAll(/^\s*gem\s+["']([^"']+)["']/gm)) dependencies.push(match[1] as string)
  return manifest(path, 'ruby', {
    technologies: ['ruby', ...mapped('ruby', dependencies)],
    dependencies,
    runtimeVersion: prefixed('ruby', /^\s*ruby\s+["']([^"']+)["']/m.exec(text)?.[1])
  })
}

function readComposerJson (path: string, text: string): Manifest {
  const pkg = JSON.parse(text) as Record<string, unknown>
  const dependencies = [...objectKeys(pkg.require), ...objectKeys(pkg['require-dev'])]
    .filter((name) => name !== 'php' && !name.startsWith('ext-'))
  const php = typeof pkg.require === 'object' && pkg.require !== null ? asString((pkg.require as Record<string, unknown>).php) : undefined
  return manifest(path, 'composer', {
    technologies: ['php', 'composer', ...mapped('php', dependencies)],
    dependencies,
    name: asString(pkg.name),
    description: asString(pkg.description),
    runtimeVersion: prefixed('php', php)
  })
}

function readProjectFile (path: string, text: string): Manifest {
  if (!/<Project[\s>]/.test(text)) throw new Error('not an MSBuild project')
  const dependencies: string[] = []
  for (const match of text.matchAll(/<PackageReference\s+[^>]*Include\s*=\s*"([^"]+)"/g)) dependencies.push(match[1] as string)
  const language = path.endsWith('.fsproj') ? 'fsharp' : path.endsWith('.vbproj') ? 'visualbasic' : 'csharp'
  const technologies = ['dotnet', language, ...mapped('dotnet', dependencies)]
  if (/Sdk\s*=\s*"Microsoft\.NET\.Sdk\.Web"/.test(text)) technologies.push('aspnetcore')
  return manifest(path, 'dotnet', {
    technologies,
    dependencies,
    name: xmlText(text, 'AssemblyName') ?? xmlText(text, 'PackageId') ?? basename(path).replace(/\.\w+proj$/, ''),
    description: xmlText(text, 'Description'),
    version: xmlText(text, 'Version'),
    runtimeVersion: xmlText(text, 'TargetFramework') ?? xmlText(text, 'TargetFrameworks')
  })
}

/** Reads a manifest; null when the file is not one or cannot be read (malformed manifests are skipped, never fatal). */
export function parseManifest (path: string, text: string): Manifest | null {
  const kind = manifestKind(path)
  if (kind === null) return null
  const name = basename(path)
  try {
    switch (kind) {
      case 'npm': return readPackageJson(path, text)
      case 'go': return readGoMod(path, text)
      case 'cargo': return readCargoToml(path, text)
      case 'python':
        if (name === 'pyproject.toml') return readPyproject(path, text)
        if (name === 'Pipfile' || name === 'setup.cfg') return readPipfileOrSetupCfg(path, text)
        return readRequirements(path, text)
      case 'maven': return readPom(path, text)
      case 'gradle': return readGradle(path, text)
      case 'ruby': return readGemfile(path, text)
      case 'composer': return readComposerJson(path, text)
      case 'dotnet': return readProjectFile(path, text)
    }
  } catch {
    return null
  }
}

/** The technologies of several manifests: lower case, deduplicated, sorted. */
export function manifestTechnologies (manifests: readonly Manifest[]): string[] {
  return normalizeTechnologies(manifests.flatMap((item) => item.technologies))
}
