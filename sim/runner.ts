/**
 * The simulator's entry: builds a Simulator for a scenario and seed, ticks it through the safety phase, takes it to
 * the liveness phase, and returns its report (the checkers' verdicts on what happened).
 */
import { Simulator, type RunOptions } from './simulator.js'
import type { SimReport } from './report.js'

export { BREAKS, SIM_MODES, SIM_PROJECT, SIM_ROLES, type BreakMode, type SimMode } from './cluster.js'
export { LIVENESS_BOUND_MS, PROGRESS_INTERVAL_MS, STEP_MS, type RunOptions } from './simulator.js'
export { OVERLAID } from './workload.js'
export type { SimReport } from './report.js'

export async function runSimulation (options: RunOptions): Promise<SimReport> {
  const simulator = await Simulator.create(options)
  try {
    await simulator.start()
    while (!simulator.done()) await simulator.tick()
    await simulator.toLiveness()
    return await simulator.report()
  } finally {
    await simulator.close()
  }
}
