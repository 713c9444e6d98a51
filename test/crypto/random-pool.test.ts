import t from 'tap'
import { RandomPool } from '../../src/crypto/random-pool.js'

t.test('the pool hands out fresh bytes across refills and never the same bytes twice', async t => {
  const pool = new RandomPool(64)
  const seen = new Set<string>()
  for (let i = 0; i < 100; i++) {
    const bytes = pool.bytes(24) // 24 does not divide 64: draws straddle refills
    t.equal(bytes.length, 24)
    seen.add(bytes.toString('hex'))
  }
  t.equal(seen.size, 100, '100 distinct 24-byte draws')
  const large = pool.bytes(200)
  t.equal(large.length, 200, 'a draw larger than the pool is filled directly')
  t.notOk(large.subarray(0, 100).equals(Buffer.alloc(100)), 'and is not zeros')
  const target = Buffer.alloc(32)
  t.equal(pool.fill(target), target)
  t.notOk(target.equals(Buffer.alloc(32)))
})
