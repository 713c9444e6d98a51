/** What the records need beyond the analysed files: manifests, the root README, and every path of the tree. */
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { markdownParagraph, README_FILE_NAME } from './doc-text.js'
import { manifestKind, parseManifest, type Manifest } from './manifests.js'
import type { AnalyzedFile } from './types.js'
import { walkTree, type WalkOptions, type WalkResult } from './walk.js'


export interface ProjectContext {
  /** Manifests under the target and in the directories above it, sorted by path. */
  manifests: Manifest[]
  /** First paragraph of the root README. */
  rootReadme?: string
  /** Every file path of the tree (the target's walk when it is the root; else a walk of the whole root). */
  treePaths: string[]
}

async function readManifest (root: string, path: string): Promise<Manifest | null> {
  const text = await readFile(join(root, path), 'utf8').catch(() => null)
  return text === null ? null : parseManifest(path, text)
}

/** Manifests and the root README in the directories above the target (the root down to the target's parent). */
async function readAncestors (root: string, targetPath: string): Promise<{ manifests: Manifest[], readme?: string }> {
  const segments = targetPath === '' ? [] : targetPath.split('/')
  const manifests: Manifest[] = []
  let readme: string | undefined
  for (let depth = 0; depth < segments.length; depth++) {
    const directory = segments.slice(0, depth).join('/')
    const names = await readdir(join(root, directory)).catch(() => [] as string[])
    for (const name of names.sort()) {
      const path = directory === '' ? name : `${directory}/${name}`
      if (path === targetPath) continue
      if (manifestKind(name) !== null) {
        const manifest = await readManifest(root, path)
        if (manifest !== null) manifests.push(manifest)
      } else if (directory === '' && readme === undefined && README_FILE_NAME.test(name)) {
        const text = await readFile(join(root, path), 'utf8').catch(() => null)
        readme = text === null ? undefined : markdownParagraph(text)
      }
    }
  }
  return readme === undefined ? { manifests } : { manifests, readme }
}

export async function readProjectContext (
  walk: WalkResult,
  analysed: readonly AnalyzedFile[],
  walkOptions: WalkOptions,
  include: (path: string) => boolean
): Promise<ProjectContext> {
  const manifests: Manifest[] = []
  for (const file of analysed) {
    if (manifestKind(file.path) === null) continue
    const manifest = await readManifest(walk.root, file.path)
    if (manifest !== null) manifests.push(manifest)
  }
  const ancestors = await readAncestors(walk.root, walk.targetPath)
  manifests.push(...ancestors.manifests)
  manifests.sort((a, b) => (a.path < b.path ? -1 : 1))
  const atRoot = walk.targetPath === ''
  const rootReadme = atRoot
    ? analysed.find((file) => !file.path.includes('/') && README_FILE_NAME.test(file.path))?.analysis.doc
    : ancestors.readme
  const treePaths = atRoot
    ? analysed.map((file) => file.path)
    : (await walkTree({ ...walkOptions, target: walk.root })).files.map((file) => file.path).filter(include)
  return rootReadme === undefined ? { manifests, treePaths } : { manifests, rootReadme, treePaths }
}
