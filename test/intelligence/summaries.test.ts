import t from 'tap'
import { describeSymbols } from '../../src/intelligence/summaries.js'

t.test('a file is described by its own constants, not those of its enums and classes; methods count wherever they are', async t => {
  t.equal(describeSymbols([
    { name: 'Mode', kind: 'enum', line: 1 },
    { name: 'On', kind: 'constant', line: 2, parent: 'Mode' },
    { name: 'Off', kind: 'constant', line: 3, parent: 'Mode' },
    { name: 'toggle', kind: 'method', line: 4, parent: 'Mode' },
    { name: 'DEFAULT', kind: 'constant', line: 6 }
  ]), 'enum Mode, 1 method and 1 constant')
})
