/** What the records need beyond the analysed files: manifests, the root README, and every path of the tree. */
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { TreeFs } from './tree-fs.js'
import { markdownParagraph, README_FILE_NAME } from './doc-text.js'
import { manifestKind, parseManifest, type Manifest } from './manifests.js'
import { walkTree, type WalkOptions, type WalkResult } from './walk.js'


export interface ProjectContext {
  /** Manifests under the target and in the directories above it, sorted by path. */
  manifests: Manifest[]
  /** The root README when it is one of the analysed files (its first paragraph is its analysis's doc). */
  rootReadmePath?: string
  /** First paragraph of the root README, when it is above the target (read here). */
  rootReadme?: string
  /** Every file path of the tree (the target's walk when it is the root; else a walk of the whole root). */
  treePaths: string[]
}

/** A file's text through `fs` when the tree is not on disk, else read from the disk through the thread pool; null when it is unreadable. */
async function readText (fs: TreeFs | undefined, absolutePath: string): Promise<string | null> {
  if (fs !== undefined && !fs.onDisk) {
    try {
      return fs.readFile(absolutePath).toString('utf8')
    } catch {
      return null
    }
  }
  return await readFile(absolutePath, 'utf8').catch(() => null)
}

async function readNames (fs: TreeFs | undefined, absolutePath: string): Promise<string[]> {
  if (fs !== undefined && !fs.onDisk) {
    try {
      return fs.readdir(absolutePath).map(entry => entry.name)
    } catch {
      return []
    }
  }
  return await readdir(absolutePath).catch(() => [] as string[])
}

async function readManifest (fs: TreeFs | undefined, root: string, path: string): Promise<Manifest | null> {
  const text = await readText(fs, join(root, path))
  return text === null ? null : parseManifest(path, text)
}

/** Manifests and the root README in the directories above the target (the root down to the target's parent). */
async function readAncestors (fs: TreeFs | undefined, root: string, targetPath: string): Promise<{ manifests: Manifest[], readme?: string }> {
  const segments = targetPath === '' ? [] : targetPath.split('/')
  const manifests: Manifest[] = []
  let readme: string | undefined
  for (let depth = 0; depth < segments.length; depth++) {
    const directory = segments.slice(0, depth).join('/')
    const names = await readNames(fs, join(root, directory))
    for (const name of names.sort()) {
      const path = directory === '' ? name : `${directory}/${name}`
      if (path === targetPath) continue
      if (manifestKind(name) !== null) {
        const manifest = await readManifest(fs, root, path)
        if (manifest !== null) manifests.push(manifest)
      } else if (directory === '' && readme === undefined && README_FILE_NAME.test(name)) {
        const text = await readText(fs, join(root, path))
        readme = text === null ? undefined : markdownParagraph(text)
      }
    }
  }
  return readme === undefined ? { manifests } : { manifests, readme }
}

/**
 * `analysed`: the paths of the analysed files. A root README among them is named (`rootReadmePath`), not read: its
 * text is its analysis's doc, which a run with nothing changed never loads.
 */
export async function readProjectContext (
  walk: WalkResult,
  analysed: readonly string[],
  walkOptions: WalkOptions,
  include: (path: string) => boolean
): Promise<ProjectContext> {
  const manifests: Manifest[] = []
  for (const path of analysed) {
    if (manifestKind(path) === null) continue
    const manifest = await readManifest(walkOptions.fs, walk.root, path)
    if (manifest !== null) manifests.push(manifest)
  }
  const ancestors = await readAncestors(walkOptions.fs, walk.root, walk.targetPath)
  manifests.push(...ancestors.manifests)
  manifests.sort((a, b) => (a.path < b.path ? -1 : 1))
  const atRoot = walk.targetPath === ''
  const readmePath = atRoot ? analysed.find((path) => !path.includes('/') && README_FILE_NAME.test(path)) : undefined
  const rootReadme = atRoot ? undefined : ancestors.readme
  const treePaths = atRoot
    ? [...analysed]
    : (await walkTree({ ...walkOptions, target: walk.root })).files.map((file) => file.path).filter(include)
  return { manifests, treePaths, ...(rootReadme !== undefined ? { rootReadme } : {}), ...(readmePath !== undefined ? { rootReadmePath: readmePath } : {}) }
}
