// Printers at the edge (src/cli/render.ts): what a table cell says.
import t from 'tap'
import { renderPeerLogs } from '../../src/cli/render.js'

t.test('a peer\'s logs: none written yet, or each writer\'s length and lag', async t => {
  t.equal(renderPeerLogs([]), 'none written yet', 'never a blank cell')
  t.equal(renderPeerLogs([{ writer: 'ab'.repeat(32), length: 3, lag: 0 }, { writer: 'cd'.repeat(32), length: 7, lag: 2 }]), 'abababab: 3, cdcdcdcd: 7 (-2)')
})
