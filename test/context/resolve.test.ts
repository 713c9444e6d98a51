import t from 'tap'
import fc from 'fast-check'
import { contentOf, diffAgainstParent, mergeLayers, type Content } from '../../src/context/merge.js'
import { resolveContext, type ReadableLayer } from '../../src/context/resolve.js'
import { joinSections, sectionLevels, splitSections } from '../../src/context/sections.js'
import type { ContextRecord } from '../../src/context/record.js'
import { rejectsCode } from '../helpers/errors.js'

const chainAddresses = ['ucxl://p/', 'ucxl://p/src', 'ucxl://p/src/net', 'ucxl://p/src/net/conn.go']
const small = fc.constantFrom('a', 'b', 'c')
const contentArb: fc.Arbitrary<Content> = fc.record({
  summary: fc.option(small, { nil: undefined }),
  purpose: fc.option(small, { nil: undefined }),
  language: fc.option(fc.constantFrom('go', 'python'), { nil: undefined }),
  technologies: fc.option(fc.uniqueArray(fc.constantFrom('go', 'grpc', 'redis', 'react')), { nil: undefined }),
  tags: fc.option(fc.uniqueArray(small), { nil: undefined }),
  languages: fc.option(fc.uniqueArray(fc.constantFrom('go', 'python'), { minLength: 1 }), { nil: undefined }),
  imports: fc.option(fc.array(small, { maxLength: 2 }), { nil: undefined }),
  insights: fc.option(fc.array(fc.record({ role: fc.constantFrom('developer', 'security'), text: small }), { maxLength: 3 }), { nil: undefined })
}, { requiredKeys: [] })

function dropUndefined (c: Content): Content {
  return JSON.parse(JSON.stringify(c)) as Content
}

t.test('resolving stored diffs gives the same context as merging the full records', async t => {
  fc.assert(fc.property(fc.array(contentArb, { minLength: 4, maxLength: 4 }), contents => {
    const full = contents.map((content, i): ContextRecord => ({ address: chainAddresses[i]!, kind: i === 0 ? 'project' : i === 3 ? 'file' : 'directory', ...dropUndefined(content) }))
    const stored: ContextRecord[] = []
    let parent: Content = {}
    for (const record of full) {
      const s = diffAgainstParent(record, parent)
      stored.push(s)
      parent = mergeLayers([{ address: s.address, content: contentOf(s) }, { address: 'parent', content: parent }]).content
    }
    const fromFull = mergeLayers([...full].reverse().map(r => ({ address: r.address, content: contentOf(r) }))).content
    const fromStored = mergeLayers([...stored].reverse().map(r => ({ address: r.address, content: contentOf(r) }))).content
    return JSON.stringify(fromFull) === JSON.stringify(fromStored)
  }), { numRuns: 2000 })
  t.pass()
})

t.test('a child stores only what differs from its resolved parent', async t => {
  const parent: Content = { language: 'go', technologies: ['go', 'grpc'], insights: [{ role: 'architect', text: 'net depends on proto' }] }
  const child: ContextRecord = {
    address: 'ucxl://p/src/net/conn.go', kind: 'file', summary: 'Connection pool', language: 'go',
    technologies: ['go', 'grpc', 'redis'], insights: [{ role: 'architect', text: 'net depends on proto' }, { role: 'security', text: 'tls at line 4' }]
  }
  t.same(diffAgainstParent(child, parent), {
    address: child.address, kind: 'file', summary: 'Connection pool', technologies: ['redis'], insights: [{ role: 'security', text: 'tls at line 4' }]
  })
})

/** A lookup over records by address: one layer each, or a list (the hand-written layer first). */
function layers (records: Record<string, Partial<ReadableLayer> | Array<Partial<ReadableLayer>>>) {
  return (address: string): ReadableLayer[] => {
    const r = records[address]
    if (r === undefined) return []
    return (Array.isArray(r) ? r : [r]).map(layer => ({ address, kind: 'directory', inherits: true, content: {}, ...layer }))
  }
}

t.test('resolution walks up, bounded by depth, skipping missing levels, and says where each field came from', async t => {
  const lookup = layers({
    'ucxl://p/': { kind: 'project', content: { purpose: 'A service', technologies: ['go'] } },
    'ucxl://p/src/net': { content: { summary: 'Networking', tags: ['io'] } },
    'ucxl://p/src/net/conn.go': { kind: 'file', content: { summary: 'Connection pool', language: 'go', technologies: ['redis'] } }
  })
  const full = await resolveContext('ucxl://p/src/net/conn.go', 10, lookup)
  t.same(full.resolvedFrom, ['ucxl://p/src/net/conn.go', 'ucxl://p/src/net', 'ucxl://p/'], 'most specific first; the missing src level is skipped')
  t.equal(full.context.summary, 'Connection pool', 'the child overrides')
  t.equal(full.context.purpose, 'A service', 'inherited from the root')
  t.same(full.context.technologies, ['go', 'redis'], 'unions run root first')
  t.same(full.sources.purpose, ['ucxl://p/'])
  t.same(full.sources.technologies, ['ucxl://p/src/net/conn.go', 'ucxl://p/'], 'sources list the most specific first')
  const one = await resolveContext('ucxl://p/src/net/conn.go', 1, lookup)
  t.same(one.resolvedFrom, ['ucxl://p/src/net/conn.go', 'ucxl://p/src/net'], 'depth 1 reaches the parent only')
  const zero = await resolveContext('ucxl://p/src/net/conn.go', 0, lookup)
  t.same(zero.resolvedFrom, ['ucxl://p/src/net/conn.go'])
  t.equal(zero.context.purpose, undefined)
  await rejectsCode(t, () => resolveContext('ucxl://p/src/none.go', 10, lookup), 'NOT_FOUND', /no context for ucxl:\/\/p\/src\/none\.go/)
  await rejectsCode(t, () => resolveContext('ucxl://p/src/net/conn.go', -1, lookup), 'BAD_INPUT', /depth/)
})

t.test('languages are said of a record itself: stored whole, never inherited', async t => {
  const parent: Content = { languages: ['go', 'python'], tags: ['io'] }
  const child: ContextRecord = { address: 'ucxl://p/src/net', kind: 'directory', languages: ['go', 'python'], tags: ['io'] }
  t.same(diffAgainstParent(child, parent), { address: child.address, kind: 'directory', languages: ['go', 'python'] }, 'kept although the parent has the same')
  const lookup = layers({
    'ucxl://p/': { kind: 'project', content: { languages: ['go', 'python'], tags: ['io'] } },
    'ucxl://p/src/net/conn.go': { kind: 'file', content: { language: 'go' } }
  })
  const file = await resolveContext('ucxl://p/src/net/conn.go', 10, lookup)
  t.equal(file.context.languages, undefined, 'a file does not inherit its project\'s languages')
  t.same(file.context.tags, ['io'], 'while tags gather')
  const root = await resolveContext('ucxl://p/', 10, lookup)
  t.same(root.context.languages, ['go', 'python'])
  t.same(root.sources.languages, ['ucxl://p/'])
})

t.test('inherits: false stops the walk', async t => {
  const lookup = layers({
    'ucxl://p/': { kind: 'project', content: { purpose: 'root' } },
    'ucxl://p/vendor': { inherits: false, content: { purpose: 'vendored' } },
    'ucxl://p/vendor/x.c': { kind: 'file', content: { summary: 'x' } }
  })
  const r = await resolveContext('ucxl://p/vendor/x.c', 10, lookup)
  t.same(r.resolvedFrom, ['ucxl://p/vendor/x.c', 'ucxl://p/vendor'])
  t.equal(r.context.purpose, 'vendored')
})

t.test('sections the reader may not open are listed per layer; a layer it opens none of adds nothing, yet still stops the walk', async t => {
  const lookup = layers({
    'ucxl://p/': { kind: 'project', content: { purpose: 'root' } },
    'ucxl://p/vendor': { inherits: false, readable: false, withheld: ['secret'] },
    'ucxl://p/vendor/lib': { readable: false, withheld: ['confidential', 'secret'] },
    'ucxl://p/vendor/lib/x.c': { kind: 'file', content: { summary: 'x' }, withheld: ['internal'] }
  })
  const r = await resolveContext('ucxl://p/vendor/lib/x.c', 10, lookup)
  t.same(r.resolvedFrom, ['ucxl://p/vendor/lib/x.c'], 'the layers it opens nothing of are not merged')
  t.same(r.withheld, [
    { address: 'ucxl://p/vendor/lib/x.c', levels: ['internal'] },
    { address: 'ucxl://p/vendor/lib', levels: ['confidential', 'secret'] },
    { address: 'ucxl://p/vendor', levels: ['secret'] }
  ], 'most specific first')
  t.equal(r.context.purpose, undefined, 'vendor says inherits: false, readable or not: the root is not reached')
  const open = await resolveContext('ucxl://p/', 10, lookup)
  t.same(open.withheld, [], 'nothing withheld')
})

t.test('a hand-written record lies over the generated one of its address, and neither hides the other', async t => {
  const lookup = layers({
    'ucxl://p/': { kind: 'project', content: { purpose: 'root', technologies: ['go'] } },
    'ucxl://p/src': [
      { handWritten: true, content: { summary: 'Written by hand', insights: [{ role: 'developer', text: 'add handlers here' }] } },
      { content: { summary: 'Go directory with 3 files', languages: ['go'], technologies: ['grpc'], insights: [{ role: 'architect', text: 'fan-in' }] } }
    ],
    'ucxl://p/src/a.go': { kind: 'file', content: { language: 'go' } },
    'ucxl://p/only': [{ handWritten: true, content: { summary: 'hand only' } }],
    'ucxl://p/hidden': [{ handWritten: true, readable: false, withheld: ['secret'] }, { content: { summary: 'generated' } }],
    'ucxl://p/fenced': [{ handWritten: true, inherits: false, content: { purpose: 'fenced' } }, { content: { summary: 'generated' } }]
  })
  const dir = await resolveContext('ucxl://p/src', 10, lookup)
  t.equal(dir.context.summary, 'Written by hand', 'the hand-written summary overrides the generated one')
  t.same(dir.context.languages, ['go'], 'own fields come from either record of the address resolved')
  t.same(dir.context.technologies, ['go', 'grpc'], 'generated fields the hand-written record lacks stay')
  t.same(dir.context.insights?.map(i => i.text), ['fan-in', 'add handlers here'], 'insights of both gather')
  t.same(dir.resolvedFrom, ['ucxl://p/src', 'ucxl://p/'], 'an address is named once')
  t.same(dir.handWritten, ['ucxl://p/src'])
  t.same(dir.sources.summary, ['ucxl://p/src'])
  t.same(dir.sources.insights, ['ucxl://p/src'], 'sources name an address once')
  const file = await resolveContext('ucxl://p/src/a.go', 10, lookup)
  t.equal(file.context.summary, 'Written by hand', 'a child inherits the hand-written override')
  t.equal(file.context.languages, undefined, 'and not its folder\'s own fields')
  t.same(file.handWritten, ['ucxl://p/src'])
  t.equal((await resolveContext('ucxl://p/only', 10, lookup)).context.summary, 'hand only', 'an address may hold a hand-written record alone')
  const hidden = await resolveContext('ucxl://p/hidden', 10, lookup)
  t.equal(hidden.context.summary, 'generated', 'a hand-written record the reader cannot open leaves the generated one readable')
  t.same(hidden.handWritten, [])
  t.same(hidden.withheld, [{ address: 'ucxl://p/hidden', levels: ['secret'], handWritten: true }], 'withheld says which record')
  const fenced = await resolveContext('ucxl://p/fenced', 10, lookup)
  t.same(fenced.resolvedFrom, ['ucxl://p/fenced'], 'inherits: false on either record ends the walk at the address')
  t.same([fenced.context.purpose, fenced.context.summary], ['fenced', 'generated'])
})

t.test('sections group fields by level and join back', async t => {
  const record: ContextRecord = {
    address: 'ucxl://p/a.py', kind: 'file', summary: 's', language: 'python', symbols: [{ name: 'f', kind: 'function', line: 1 }],
    imports: ['os'], insights: [{ role: 'developer', text: 'd' }, { role: 'architect', text: 'a' }, { role: 'security', text: 'x' }, { level: 'top-secret', text: 't' }]
  }
  const sections = splitSections(record)
  t.same(sections.map(s => s.level), ['public', 'internal', 'confidential', 'secret', 'top-secret'])
  const all = new Map(sections.map(s => [s.level, s.plaintext]))
  t.same(joinSections(all, record.address), contentOf(record).insights === undefined ? {} : {
    summary: 's', language: 'python', symbols: record.symbols, imports: ['os'], insights: record.insights
  })
  const publicOnly = joinSections(new Map([['public', all.get('public')!]]), record.address)
  t.same(publicOnly, { summary: 's', language: 'python' }, 'a reader of public sees no symbols, imports or insights')
  const pinned = splitSections({ address: 'ucxl://p/b', kind: 'file', summary: 'hidden', levels: { summary: 'secret' } })
  t.same(pinned.map(s => s.level), ['secret'], 'a level override moves a field')
  // The levels alone (what a leader asks to authorise a write), without making the texts: the same.
  t.same(sectionLevels(record), sections.map(s => s.level))
  t.same(sectionLevels({ address: 'ucxl://p/b', kind: 'file', summary: 'hidden', levels: { summary: 'secret' } }), ['secret'])
  t.same(sectionLevels({ address: 'ucxl://p/c', kind: 'directory' }), [], 'a record with no content has no section')
})
