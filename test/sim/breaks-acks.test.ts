// ack-before-replicate (a leader that calls writes acknowledged before any peer holds them) caught by no-lost-acks on
// every fixture scenario and five random seeds, every time; beside breaks-handover.test.ts, which has double-vote and
// forget-queue, so the two files run side by side.
import t from 'tap'
import { proveEach } from '../helpers/sim-proof.js'

proveEach(t, ['ack-before-replicate'])
