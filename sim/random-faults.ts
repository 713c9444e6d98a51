/** The --random-faults nemesis: a workload plus fault episodes of every kind, all drawn from one random source, as scenario JSON. */
import { badInput } from '../src/errors.js'
import { pick, randomInt, shuffle } from './random.js'

export interface RandomFaultsOptions { nodes: number, durationMs: number, electionTimeoutMs: number }

/** Let the first leader settle before the first fault. */
const FAULTS_START_MS = 1_000
/** The liveness phase: no faults after the final heal and restarts, so the cluster must converge. */
const LIVENESS_MS = 5_000
const EXTRA_EPISODES_MAX = 4
const GENERATE_PATH = 'fixtures/repos/mixed/src/server'
/** One of each is always played; every episode ends by undoing itself (heal, or restart of what it crashed or killed). */
const EPISODES = ['halves', 'isolate-leader', 'isolate', 'majority-ring', 'bridge', 'drop', 'delay', 'crash', 'kill'] as const
type Episode = typeof EPISODES[number]
type RawStep = Record<string, unknown> & { at: number }

function liveSelector (random: () => number, nodes: number): string | number | undefined {
  const choices: Array<string | number | undefined> = [undefined, 'leader', 'random', randomInt(random, 0, nodes - 1)]
  if (nodes > 1) choices.push('follower')
  return pick(random, choices)
}

function episodeSteps (random: () => number, episode: Episode, startMs: number, endMs: number, nodes: number, electionTimeoutMs: number): RawStep[] {
  const heal = { at: endMs, nemesis: 'heal' }
  switch (episode) {
    case 'drop': return [{ at: startMs, nemesis: 'drop', percent: randomInt(random, 5, 40) }, heal]
    case 'delay': return [{ at: startMs, nemesis: 'delay', ms: randomInt(random, 5, Math.max(5, Math.floor(electionTimeoutMs / 3))) }, heal]
    case 'crash':
    case 'kill': {
      const node = liveSelector(random, nodes) ?? 'random'
      // A node crashed by index comes back by index; one chosen by role, as whatever is down.
      return [{ at: startMs, nemesis: episode, node }, { at: endMs, nemesis: 'restart', node: typeof node === 'number' ? node : 'all-down' }]
    }
    case 'isolate': return [{ at: startMs, nemesis: 'partition', kind: 'isolate', node: liveSelector(random, nodes) ?? 'random' }, heal]
    default: {
      const steps: RawStep[] = [{ at: startMs, nemesis: 'partition', kind: episode }, heal]
      // Now and then a crash inside the partition: the combinations find the bugs.
      if (random() < 0.25) {
        const crashMs = randomInt(random, startMs, endMs - 1)
        steps.push({ at: crashMs, nemesis: pick(random, ['crash', 'kill'] as const)!, node: 'random' }, { at: endMs, nemesis: 'restart', node: 'all-down' })
      }
      return steps
    }
  }
}

function workloadSteps (random: () => number, nodes: number, lastMs: number): RawStep[] {
  const extra = randomInt(random, 2, 8)
  const ops = ['distribute', 'distribute', 'generate', 'retrieve', ...Array.from({ length: extra }, () => pick(random, ['distribute', 'retrieve'] as const)!)]
  return ops.map(op => {
    const step: RawStep = { at: randomInt(random, 200, lastMs - 1), op }
    if (op === 'generate') Object.assign(step, { path: GENERATE_PATH, priority: pick(random, ['low', 'normal', 'high', 'critical']) })
    else step.count = randomInt(random, 1, 10)
    const node = liveSelector(random, nodes)
    if (node !== undefined) step.node = node
    return step
  })
}

/** The scenario JSON for a random-faults run; parse it with parseScenario. */
export function randomFaultsJson (random: () => number, options: RandomFaultsOptions): Record<string, unknown> {
  const { nodes, durationMs, electionTimeoutMs } = options
  const faultsEndMs = durationMs - LIVENESS_MS
  const episodeMinMs = 2 * electionTimeoutMs
  const episodesMax = Math.floor((faultsEndMs - FAULTS_START_MS) / episodeMinMs)
  if (episodesMax < EPISODES.length) {
    throw badInput(`random faults: durationMs ${durationMs} is too short for one episode of every fault: give at least ${FAULTS_START_MS + LIVENESS_MS + EPISODES.length * episodeMinMs}ms`)
  }
  const extras = Array.from({ length: randomInt(random, 0, Math.min(EXTRA_EPISODES_MAX, episodesMax - EPISODES.length)) }, () => pick(random, EPISODES)!)
  const episodes = shuffle(random, [...EPISODES, ...extras])
  const slotMs = Math.floor((faultsEndMs - FAULTS_START_MS) / episodes.length)
  const faults = episodes.flatMap((episode, i) => {
    const startMs = FAULTS_START_MS + i * slotMs + randomInt(random, 0, Math.floor(slotMs / 4))
    const endMs = startMs + randomInt(random, Math.floor(slotMs / 2), Math.floor(slotMs * 3 / 4))
    return episodeSteps(random, episode, startMs, endMs, nodes, electionTimeoutMs)
  })
  const final = [{ at: faultsEndMs, nemesis: 'heal' }, { at: faultsEndMs, nemesis: 'restart', node: 'all-down' }]
  return { name: 'random-faults', nodes, electionTimeoutMs, durationMs, steps: [...workloadSteps(random, nodes, faultsEndMs), ...faults, ...final] }
}
