// One process at a time makes a new store: while a store's marker is not whole, openers take the creation lock in turn.
import t from 'tap'
import { mkdirSync, openSync, closeSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tryLock } from 'fs-native-extensions'
import { creationLockFile, whileMade } from '../../src/storage/store-creation.js'
import { MARKER_FILE } from '../../src/storage/store-identity.js'
import { scratchDir } from '../helpers/scratch.js'

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
const WHOLE_MARKER = 'device/platform=linux\ndevice/inode=1\ndevice/created=1\n'

t.test('openers of a store being made run one after another; once the marker is whole, at once', async t => {
  const dir = join(scratchDir('bzzz-create-'), 'home', 'store')
  const events: string[] = []
  const opener = (name: string, ms: number) => async () => {
    events.push(`${name} starts`)
    await sleep(ms)
    events.push(`${name} ends`)
    return name
  }
  const deadline = Date.now() + 10_000
  // The first makes the store: its marker half-written while it works, whole when it is done.
  const first = whileMade(dir, deadline, async () => {
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, MARKER_FILE), '')
    const name = await opener('first', 150)()
    writeFileSync(join(dir, MARKER_FILE), WHOLE_MARKER)
    return name
  })
  await sleep(20)
  const second = whileMade(dir, deadline, opener('second', 10))
  t.same(await Promise.all([first, second]), ['first', 'second'])
  t.same(events, ['first starts', 'first ends', 'second starts', 'second ends'], 'the second waited for the first to end')

  // The marker whole: no lock is taken, even while another process would hold it.
  const fd = openSync(creationLockFile(dir), 'a')
  t.ok(tryLock(fd), 'the lock is free again once both ended')
  const started = Date.now()
  t.equal(await whileMade(dir, Date.now() + 10_000, async () => 'now'), 'now')
  t.ok(Date.now() - started < 1_000, 'a made store is opened at once')
  closeSync(fd)
})

t.test('a lock held past the deadline: the opener goes on, and its own errors say why', async t => {
  const dir = join(scratchDir('bzzz-create-'), 'home', 'store')
  mkdirSync(dir, { recursive: true })
  const fd = openSync(creationLockFile(dir), 'a')
  t.ok(tryLock(fd))
  const started = Date.now()
  t.equal(await whileMade(dir, Date.now() + 200, async () => 'anyway'), 'anyway')
  t.ok(Date.now() - started >= 190, 'it waited until the deadline')
  closeSync(fd)
  t.equal(creationLockFile(dir), join(dir, '..', '.store.create-lock'), 'the lock is beside the store\'s folder, not in it')
})
