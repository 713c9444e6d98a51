// The short scenario both `sim --tui` tests watch (the view fed in process, and the real CLI in tmux): 3 peers, the
// leader isolated at 1 s and healed at 2 s, writes before and during the partition.
export const TUI_SCENARIO = {
  name: 'tui-short',
  nodes: 3,
  seed: 5,
  replicationFactor: 2,
  electionTimeoutMs: 300,
  duration: '3s',
  steps: [
    { at: '300ms', op: 'distribute', count: 3 },
    { at: '1s', nemesis: 'partition', kind: 'isolate-leader' },
    { at: '1500ms', op: 'distribute', count: 2 },
    { at: '2s', nemesis: 'heal' }
  ],
  checks: ['election-safety', 'one-vote-per-term', 'no-lost-acks', 'convergence']
}
