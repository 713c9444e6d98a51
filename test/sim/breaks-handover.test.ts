// The other three deliberately broken peers, caught by their checkers on every fixture scenario and on five random
// seeds, every time (breaks.test.ts has the first three). double-vote and forget-queue used to be caught only where the
// scenario made the event they break (two candidates in a term; a request pending across a leader change): on bridge,
// halves, drop-and-delay, crash-follower-restart and crash-leader-restart neither was. Now a double-voting peer grants,
// with each vote, one more unasked, and the liveness phase hands a request from one leader to the next
// (Simulator.handover). Each runs alone (together, ack-before-replicate lets the old leader finish the handover's
// request at once, and any fault may break another's checker too, which would prove nothing); ack-before-replicate is
// in breaks-acks.test.ts, so the two files run side by side. `npm run sim:proofs` prints the whole table.
import t from 'tap'
import { proveEach } from '../helpers/sim-proof.js'

proveEach(t, ['double-vote', 'forget-queue'])
