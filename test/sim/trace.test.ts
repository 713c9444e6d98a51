import t from 'tap'
import { Trace } from '../../sim/trace.js'

/** Two deliveries and a fault, by peer ids the trace names n0, n1, n2. */
function traced (order: Array<[string, string, number]>): string {
  const trace = new Trace()
  trace.name(['key-a', 'key-b', 'key-c'])
  trace.record('fault', 100, 'partition halves', '{}')
  for (const [from, to, bytes] of order) trace.record('deliver', 120, from, to, bytes)
  return trace.digest()
}

t.test('the trace hash names peers by index and changes when one delivery comes in another order', async t => {
  const one = traced([['key-a', 'key-b', 64], ['key-c', 'key-b', 64]])
  t.equal(traced([['key-a', 'key-b', 64], ['key-c', 'key-b', 64]]), one, 'the same events in the same order: one hash')
  t.not(traced([['key-c', 'key-b', 64], ['key-a', 'key-b', 64]]), one, 'two deliveries swapped: another hash')
  const renamed = new Trace()
  renamed.name(['other-a', 'other-b', 'other-c'])
  renamed.record('fault', 100, 'partition halves', '{}')
  renamed.record('deliver', 120, 'other-a', 'other-b', 64)
  renamed.record('deliver', 120, 'other-c', 'other-b', 64)
  t.equal(renamed.digest(), one, 'fresh keys each run do not change it: peers are n0, n1, n2')
})

t.test('the trace written out is what the hash folds in, one event a line, peers by name', async t => {
  const lines: string[] = []
  const trace = new Trace(line => { lines.push(line) })
  trace.name(['key-a', 'key-b'])
  trace.record('fault', 100, 'partition halves', '{}')
  trace.record('deliver', 120, 'key-a', 'key-b', 64)
  t.same(lines, ['fault 100 partition halves {}', 'deliver 120 n0 n1 64'])
  const { createHash } = await import('node:crypto')
  t.equal(createHash('sha256').update(lines.map(line => `${line}\n`).join('')).digest('hex'), trace.digest(), 'two runs whose files match have one hash')
})
