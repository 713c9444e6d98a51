import t from 'tap'
import { ProgressReporter } from '../../src/intelligence/progress.js'
import type { AnalyzeProgress } from '../../src/intelligence/types.js'

t.test('progress is reported at most every 100 ms, with a rate and an ETA, and once at the end', async t => {
  let now = 0
  const reports: AnalyzeProgress[] = []
  const reporter = new ProgressReporter(10, (p) => reports.push(p), () => now)
  now = 0
  reporter.advance()
  t.equal(reports.length, 1, 'the first file reports')
  t.same(reports[0], { done: 1, total: 10, filesPerSecond: 0, etaSeconds: null }, 'no rate yet: no ETA')
  now = 50
  reporter.advance()
  t.equal(reports.length, 1, 'not again within 100 ms')
  now = 500
  reporter.advance()
  t.same(reports[1], { done: 3, total: 10, filesPerSecond: 6, etaSeconds: 1.2 })
  now = 550
  reporter.advance(7)
  t.equal(reports.length, 2)
  reporter.finish()
  t.same(reports[2], { done: 10, total: 10, filesPerSecond: 18.2, etaSeconds: 0 })
  const silent = new ProgressReporter(5, undefined)
  silent.advance()
  silent.finish()
})
