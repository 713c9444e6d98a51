import t from 'tap'
import { recordProblems, validateRecord } from '../../src/context/validate.js'
import { throwsCode } from '../helpers/errors.js'

t.test('a valid hand-written record passes', async t => {
  const record = { address: 'ucxl://p/src/a.go', kind: 'file', summary: 'x', symbols: [{ name: 'F', kind: 'function', line: 3 }], insights: [{ role: 'security', text: 'y' }], levels: { summary: 'internal' } }
  t.same(recordProblems(record), [])
  t.equal(validateRecord(record).address, 'ucxl://p/src/a.go')
})

t.test('every problem is reported with its field path', async t => {
  const problems = recordProblems({
    address: 'ucxl://p/../x', kind: 'blob', summary: 3, technologies: ['ok', 7],
    symbols: [{ name: 'F', kind: 'function', line: 0 }, 'nope'], insights: [{ level: 'ultra' }], levels: { symbols: 'x', color: 'public' }, extra: true
  })
  for (const expected of [
    /^extra is not a known field$/, /^address: the path has a "\.\." segment$/, /^kind must be one of/, /^summary must be a string$/,
    /^technologies\[1\] must be a string$/, /^symbols\[0\]\.line must be a positive whole number$/, /^symbols\[1\] must be an object$/,
    /^insights\[0\]\.text is missing$/, /^insights\[0\]\.level must be one of/, /^levels\.symbols must be one of/, /^levels\.color is not a field/
  ]) t.ok(problems.some(p => expected.test(p)), `reports ${String(expected)}`)
  t.same(recordProblems({ address: 'ucxl://p/a', kind: 'file', insights: [{ role: 'security', text: 'y' }, { role: 'Security', text: 'z' }] }, ['developer', 'security']),
    ['insights[1].role "Security" is not a role of this cluster (developer, security)'], 'with the cluster\'s roles, an insight\'s role must be one of them')
  throwsCode(t, () => validateRecord([], 'ctx.json'), 'BAD_INPUT', /ctx\.json is not a valid context record: the file must hold one JSON object/)
  throwsCode(t, () => validateRecord({ address: 'ucxl://p/', kind: 'file' }), 'BAD_INPUT', /project root holds only the project record/)
})
