import t from 'tap'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import { recordHashes } from '../../src/intelligence/source-state.js'

/**
 * The definition the stored hashes were made with (a record's hash decides whether a generate rewrites it, so it must
 * not change): a folder's is the sha256 of `path\0content\n` over the files below it, in path order.
 */
function reference (project: string, files: Map<string, string>, addresses: string[]): Map<string, string> {
  const sorted = [...files].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  const out = new Map<string, string>()
  for (const address of addresses) {
    const path = address.slice(`ucxl://${project}/`.length)
    if (files.has(path)) { out.set(address, files.get(path)!); continue }
    const hash = createHash('sha256')
    for (const [p, c] of sorted) if (path === '' || p.startsWith(path + '/')) hash.update(`${p}\u0000${c}\n`)
    out.set(address, hash.digest('hex'))
  }
  return out
}

t.test('record hashes of files, folders and the project match the definition, for any tree', async t => {
  // Names chosen to sort around the separator: "a", "a-b", "a.b", "a/b" and "ab" interleave in path order.
  const segment = fc.constantFrom('a', 'b', 'a-b', 'a.b', 'ab', 'a b', 'z', '_')
  const pathArb = fc.array(segment, { minLength: 1, maxLength: 4 }).map(parts => parts.join('/'))
  fc.assert(fc.property(fc.uniqueArray(pathArb, { maxLength: 40 }), fc.array(pathArb, { maxLength: 10 }), (paths, extra) => {
    const files = new Map(paths.map((p, i) => [p, `h${i}`]))
    const folders = new Set<string>([''])
    for (const p of [...paths, ...extra]) {
      const parts = p.split('/')
      for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/'))
    }
    const addresses = [...paths, ...folders].map(p => `ucxl://proj/${p}`)
    const got = recordHashes('proj', files, addresses)
    const want = reference('proj', files, addresses)
    return JSON.stringify([...got].sort()) === JSON.stringify([...want].sort())
  }), { numRuns: 500 })
  t.pass()
})

t.test('a 20,000-file tree of 4,000 folders: every record gets its hash, a folder the hash of the files below it', async t => {
  const files = new Map<string, string>()
  for (let d = 0; d < 4_000; d++) for (let f = 0; f < 5; f++) files.set(`top${d % 40}/mid${d}/f${f}.py`, `h${d}-${f}`)
  const addresses = ['ucxl://p/', ...new Set([...files.keys()].flatMap(p => [p.split('/')[0]!, p.split('/').slice(0, 2).join('/')]))].map(a => a.startsWith('ucxl://') ? a : `ucxl://p/${a}`)
  const hashes = recordHashes('p', files, [...addresses, ...[...files.keys()].map(p => `ucxl://p/${p}`)])
  t.equal(hashes.size, addresses.length + files.size)
  t.equal(hashes.get('ucxl://p/top3/mid3'), reference('p', files, ['ucxl://p/top3/mid3']).get('ucxl://p/top3/mid3'))
})
