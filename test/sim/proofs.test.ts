// Each checker proven on the elections proof scenario: a deliberately broken peer makes the matching check fail, the
// healthy run passes. (The proofs on a leader crashing during work are in proofs-work.test.ts: the two files run side
// by side, each well inside tap's limit on a loaded machine.)
import t from 'tap'
import { proof } from '../helpers/sim-proof.js'

t.test('proof: double-vote breaks election-safety', async t => { await proof(t, 'slow-network-elections.json', 'double-vote', 'election-safety') })
t.test('proof: leak-role breaks role-isolation', async t => { await proof(t, 'slow-network-elections.json', 'leak-role', 'role-isolation') })
t.test('proof: double-vote breaks one-vote-per-term where the vote is cast', async t => { await proof(t, 'slow-network-elections.json', 'double-vote', 'one-vote-per-term') })
