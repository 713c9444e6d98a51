// Each checker proven on a leader crashing during work: a deliberately broken peer makes the matching check fail, the
// healthy run passes (see proofs.test.ts for the elections scenario).
import t from 'tap'
import { proof } from '../helpers/sim-proof.js'

t.test('proof: ack-before-replicate breaks no-lost-acks', async t => { await proof(t, 'leader-crash-during-work.json', 'ack-before-replicate', 'no-lost-acks') })
t.test('proof: unheld-record breaks no-lost-acks (a generate reports a record no peer holds)', async t => { await proof(t, 'leader-crash-during-work.json', 'unheld-record', 'no-lost-acks') })
t.test('proof: stale-read breaks read-after-ack', async t => { await proof(t, 'leader-crash-during-work.json', 'stale-read', 'read-after-ack') })
t.test('proof: forget-queue breaks no-lost-requests', async t => { await proof(t, 'leader-crash-during-work.json', 'forget-queue', 'no-lost-requests') })
