import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { AnalysisPool } from '../../src/intelligence/pool.js'

t.test('many files in batches: each answer belongs to its file, in order', async t => {
  const pool = new AnalysisPool({ workers: 2, batchFiles: 3 })
  t.teardown(() => pool.close())
  const sources = Array.from({ length: 40 }, (_, i) => `def f${i}():\n    return ${i}\n${'# pad\n'.repeat(i)}`)
  const analyses = await pool.analyzeAll(sources.map((source) => ({ language: 'python', bytes: Buffer.from(source) })))
  t.equal(analyses.length, 40)
  analyses.forEach((analysis, i) => {
    t.equal(analysis.symbols[0]?.name, `f${i}`)
    t.equal(analysis.bytes, Buffer.byteLength(sources[i] as string))
  })
})

t.test('a file that breaks the parser yields its language and no symbols; its neighbours are unharmed', async t => {
  const pool = new AnalysisPool({ workers: 1, fileTimeoutMs: 150 })
  t.teardown(() => pool.close())
  // 60,000 nested brackets: tree-sitter's query takes quadratic time on such depth, so the file runs out of time.
  const [broken, fine] = await pool.analyzeAll([
    { language: 'javascript', bytes: Buffer.from('['.repeat(60_000)) },
    { language: 'javascript', bytes: Buffer.from('export function ok () {}\n') }
  ])
  t.equal(broken?.language, 'javascript')
  t.same(broken?.symbols, [])
  t.equal(broken?.parsed, false)
  t.same(fine?.symbols.map((symbol) => symbol.name), ['ok'])
})

t.test('a worker that crashes fails its files with an error instead of hanging; the pool carries on', async t => {
  const dir = t.testdir({})
  const crashing = join(dir, 'crashing-worker.mjs')
  writeFileSync(crashing, "import { parentPort } from 'node:worker_threads'\nparentPort.postMessage({ ready: true })\nparentPort.on('message', () => { throw new Error('boom in the parser') })\n")
  const pool = new AnalysisPool({ workers: 1, workerFile: crashing })
  t.teardown(() => pool.close())
  await t.rejects(pool.analyze({ language: 'python', bytes: Buffer.from('x = 1\n') }), { code: 'FAILURE', message: /crashed: boom in the parser/ })
  await t.rejects(pool.analyze({ language: 'python', bytes: Buffer.from('y = 2\n') }), { code: 'FAILURE', message: /crashed/ }, 'a new worker takes the next file')

  const exiting = join(dir, 'exiting-worker.mjs')
  writeFileSync(exiting, "import { parentPort } from 'node:worker_threads'\nparentPort.postMessage({ ready: true })\nparentPort.on('message', () => process.exit(3))\n")
  const exitPool = new AnalysisPool({ workers: 1, workerFile: exiting })
  t.teardown(() => exitPool.close())
  await t.rejects(exitPool.analyze({ language: 'python', bytes: Buffer.from('x\n') }), { code: 'FAILURE', message: /exited with code 3/ })
})

t.test('a worker that cannot start fails everything waiting, and every later file, at once', async t => {
  const dir = t.testdir({})
  const broken = join(dir, 'broken-worker.mjs')
  writeFileSync(broken, "throw new Error('cannot load the runtime')\n")
  const pool = new AnalysisPool({ workers: 2, workerFile: broken })
  t.teardown(() => pool.close())
  const results = await Promise.allSettled([1, 2, 3].map((i) => pool.analyze({ language: 'python', bytes: Buffer.from(`x = ${i}\n`) })))
  t.same(results.map((r) => r.status), ['rejected', 'rejected', 'rejected'])
  t.match(String((results[0] as PromiseRejectedResult).reason), /cannot load the runtime/)
  await t.rejects(pool.analyze({ language: 'python', bytes: Buffer.from('later\n') }), { code: 'FAILURE', message: /cannot load the runtime/ })
})

t.test('close stops the workers and fails what is still waiting', async t => {
  const pool = new AnalysisPool({ workers: 1 })
  const pending = pool.analyzeAll(Array.from({ length: 30 }, () => ({ language: 'python', bytes: Buffer.from('def f():\n    pass\n'.repeat(2000)) })))
  const failed = t.rejects(pending, { code: 'FAILURE', message: /closed/ })
  await pool.close()
  await failed
  await t.rejects(pool.analyze({ language: 'python', bytes: Buffer.from('x\n') }), { code: 'FAILURE', message: /closed/ })
  await pool.close()
})
