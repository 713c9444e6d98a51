import t from 'tap'
import fc from 'fast-check'
import { contentOf, diffAgainstParent, mergeLayers, type Content } from '../../src/context/merge.js'
import { resolveContext, type ReadableLayer } from '../../src/context/resolve.js'
import type { ContextRecord, Insight, RecordKind } from '../../src/context/record.js'

/** A lookup over whole records: one layer per address. */
function lookupOf (records: readonly ContextRecord[]): (address: string) => ReadableLayer[] {
  return address => records.filter(r => r.address === address).map(r => ({ address, kind: r.kind, inherits: true, content: contentOf(r) }))
}

const ROOT_TECHNOLOGIES = ['docker', 'express', 'flask', 'node', 'python', 'react', 'redis', 'typescript']

function project (extra: Partial<ContextRecord> = {}): ContextRecord {
  return { address: 'ucxl://p/', kind: 'project', summary: 'p', technologies: ROOT_TECHNOLOGIES, languages: ['python', 'typescript'], ...extra }
}

t.test('a file inherits only the technologies that can be true of what it is written in', async t => {
  const records: ContextRecord[] = [
    project(),
    { address: 'ucxl://p/server', kind: 'directory', languages: ['python'] },
    { address: 'ucxl://p/server/auth.py', kind: 'file', language: 'python', technologies: ['jwt'] },
    { address: 'ucxl://p/web', kind: 'directory', languages: ['typescript', 'tsx'] },
    { address: 'ucxl://p/web/app.tsx', kind: 'file', language: 'tsx' },
    { address: 'ucxl://p/README.md', kind: 'file', language: 'markdown' },
    { address: 'ucxl://p/LICENSE', kind: 'file' },
    { address: 'ucxl://p/assets', kind: 'directory', language: 'yaml' },
    { address: 'ucxl://p/legacy.py', kind: 'file', language: 'python', technologies: ['react'] }
  ]
  const technologies = async (address: string): Promise<string[] | undefined> => (await resolveContext(address, 10, lookupOf(records))).context.technologies
  t.same(await technologies('ucxl://p/server/auth.py'), ['docker', 'flask', 'python', 'redis', 'jwt'], 'the root\'s React, Express, Node and TypeScript are not a Python file\'s')
  t.same(await technologies('ucxl://p/web/app.tsx'), ['docker', 'express', 'node', 'react', 'redis', 'typescript'])
  t.same(await technologies('ucxl://p/README.md'), ['docker', 'redis'], 'prose is written in no ecosystem')
  t.same(await technologies('ucxl://p/LICENSE'), ROOT_TECHNOLOGIES, 'a file of unknown language keeps all: nothing says they are false of it')
  t.same(await technologies('ucxl://p/server'), ['docker', 'flask', 'python', 'redis'], 'a folder by the code languages it holds')
  t.same(await technologies('ucxl://p/assets'), ['docker', 'redis'], 'a folder of no code by its language')
  t.same(await technologies('ucxl://p/'), ROOT_TECHNOLOGIES, 'the project says all of its own')
  t.same(await technologies('ucxl://p/legacy.py'), ['docker', 'flask', 'python', 'react', 'redis'], 'what a file says of itself stays')
  const sources = (await resolveContext('ucxl://p/server/auth.py', 10, lookupOf(records))).sources.technologies
  t.same(sources, ['ucxl://p/server/auth.py', 'ucxl://p/'])
})

function insight (role: string, kind: string | undefined, text: string): Insight {
  return kind === undefined ? { role, text } : { role, kind, text }
}

t.test('of the insights ancestors lend, only the nearest of each role and kind stay, and the answer says where the rest are', async t => {
  const records: ContextRecord[] = [
    project({ insights: [insight('developer', 'overview', 'Project of 40 files'), insight('developer', 'entry-point', 'Entry points: a, b, c'), insight('qa', 'tests', 'root tests'), insight('developer', undefined, 'hand-written note')] }),
    { address: 'ucxl://p/src', kind: 'directory', insights: [insight('developer', 'entry-point', 'Entry points: src/a'), insight('qa', 'tests', 'src tests'), insight('security', 'tests', 'security sees tests')] },
    { address: 'ucxl://p/src/a.py', kind: 'file', language: 'python', insights: [insight('qa', 'tests', 'Covered by test_a.py'), insight('developer', 'key-symbols', 'Key symbols: f')] }
  ]
  const r = await resolveContext('ucxl://p/src/a.py', 10, lookupOf(records))
  t.same(r.context.insights?.map(i => i.text), [
    'Project of 40 files', 'hand-written note', 'Entry points: src/a', 'security sees tests', 'Covered by test_a.py', 'Key symbols: f'
  ])
  t.same(r.omittedInsights, [{ address: 'ucxl://p/src', kinds: ['tests'] }, { address: 'ucxl://p/', kinds: ['entry-point', 'tests'] }])
  t.same(r.sources.insights, ['ucxl://p/src/a.py', 'ucxl://p/src', 'ucxl://p/'])
  const root = await resolveContext('ucxl://p/', 10, lookupOf(records))
  t.equal(root.context.insights?.length, 4, 'an address keeps every insight of its own')
  t.equal(root.omittedInsights, undefined)
})

const chainAddresses = ['ucxl://p/', 'ucxl://p/src', 'ucxl://p/src/net', 'ucxl://p/src/net/conn.go']
const kinds: RecordKind[] = ['project', 'directory', 'directory', 'file']
const insightArb = fc.record({ role: fc.constantFrom('developer', 'qa'), kind: fc.constantFrom('tests', 'entry-point', undefined), text: fc.constantFrom('a', 'b', 'c') })
  .map(({ role, kind, text }) => insight(role, kind, text))
const contentArb: fc.Arbitrary<Content> = fc.record({
  language: fc.option(fc.constantFrom('go', 'python', 'markdown'), { nil: undefined }),
  languages: fc.option(fc.uniqueArray(fc.constantFrom('go', 'python'), { minLength: 1 }), { nil: undefined }),
  technologies: fc.option(fc.uniqueArray(fc.constantFrom('go', 'grpc', 'flask', 'react', 'docker')), { nil: undefined }),
  insights: fc.option(fc.array(insightArb, { maxLength: 4 }), { nil: undefined })
}, { requiredKeys: [] })

t.test('a chain stored whole or as diffs resolves to the same focused context', async t => {
  fc.assert(fc.asyncProperty(fc.array(contentArb, { minLength: 4, maxLength: 4 }), async contents => {
    const full = contents.map((content, i): ContextRecord => ({ address: chainAddresses[i]!, kind: kinds[i]!, ...JSON.parse(JSON.stringify(content)) as Content }))
    const stored: ContextRecord[] = []
    let parent: Content = {}
    for (const record of full) {
      const s = diffAgainstParent(record, parent)
      stored.push(s)
      parent = mergeLayers([{ address: s.address, content: contentOf(s) }, { address: 'parent', content: parent }]).content
    }
    const fromFull = await resolveContext(chainAddresses[3]!, 10, lookupOf(full))
    const fromStored = await resolveContext(chainAddresses[3]!, 10, lookupOf(stored))
    return JSON.stringify([fromFull.context.insights, fromFull.omittedInsights]) === JSON.stringify([fromStored.context.insights, fromStored.omittedInsights])
  }), { numRuns: 1000 })
  t.pass()
})
