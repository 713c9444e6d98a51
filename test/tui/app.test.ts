// The TUI's panels and keys with ink-testing-library on a fake backend, at 80x24 and 160x50: what each panel shows,
// what each key does, and that the frame never has more lines than the terminal (the flicker of ink#359).
import t, { type Test } from 'tap'
import React from 'react'
import { render } from 'ink-testing-library'
import { App } from '../../src/tui/app.js'
import type { ClusterView, FeedEvent, TuiBackend } from '../../src/tui/backend.js'
import { inkFrame, pause } from '../helpers/ink-frame.js'

const ME = 'a'.repeat(64)
const B = 'b'.repeat(64)
const C = 'c'.repeat(64)

interface Fake extends TuiBackend {
  view: ClusterView
  push: (event: FeedEvent) => void
  resigned: number
  generated: Array<{ path: string, priority: string }>
}

function fakeBackend (mode: 'daemon' | 'local' = 'daemon'): Fake {
  let listener: (event: FeedEvent) => void = () => {}
  const view: ClusterView = {
    node: { id: ME, role: 'admin' }, cluster: 'shop', term: 3, state: 'follower', leader: B,
    peers: [
      { id: B, role: 'developer', connected: true, voter: true, since: Date.now() - 5000, lastContactMs: 120, logLength: 40, lag: 0 },
      { id: C, role: 'qa', connected: false, voter: true, since: null, lastContactMs: 9000, logLength: 12, lag: 28 }
    ],
    queue: [
      { id: 'req-one-1234', address: 'ucxl://shop/src/a.py', priority: 'high', requester: B, acceptedAt: 0, term: 3, state: 'failed', error: 'parser crashed', ageMs: 4000 },
      { id: 'req-two-5678', address: 'ucxl://shop/src/b.py', priority: 'normal', requester: ME, acceptedAt: 0, term: 3, state: 'queued', ageMs: 1000 }
    ],
    counts: { queued: 1, active: 0, completed: 0, failed: 1, superseded: 0, duplicates: 0, ratePerSecond: 0.5, waiting: 0, leader: B, term: 3, isLeader: false }
  }
  const fake: Fake = {
    mode, home: '/tmp/home', config: { nodeId: ME, role: 'admin', project: 'shop', clusterName: 'shop' }, heldRoles: ['admin', 'viewer'],
    view, resigned: 0, generated: [],
    push: event => { listener(event) },
    cluster: async () => mode === 'daemon' ? structuredClone(fake.view) : null,
    addresses: async () => [{ address: 'ucxl://shop/', kind: 'project' }, { address: 'ucxl://shop/src', kind: 'directory' }, { address: 'ucxl://shop/src/auth.py', kind: 'file' }],
    retrieve: async (address, role) => ({
      address, role, kind: 'file', resolvedFrom: [address, 'ucxl://shop/src'], handWritten: [], sources: {} as any,
      context: role === 'admin' ? { summary: 'Checks tokens.', insights: [{ role: 'security', text: 'secret compare in 1 place' }] } : { summary: 'Checks tokens.' },
      withheld: role === 'admin' ? [] : [{ address, levels: ['internal', 'secret'] }],
      version: { term: 3, hlc: 1, writer: B, vv: {} }
    } as any),
    decisions: async (role, order) => {
      if (role !== 'admin') return []
      const rows = [
        { id: 'd-first', title: 'Use JWT', addresses: 2, at: Date.parse('2026-03-02T10:00:00Z') },
        { id: 'd-second', title: 'Drop sessions', addresses: 1, at: Date.parse('2026-03-01T09:30:00Z') },
        { id: 'd-third', title: 'One repo', addresses: 5, at: Date.parse('2026-02-20T08:15:00Z') }
      ]
      return order === 'recent' ? rows : [...rows].sort((a, b) => b.addresses - a.addresses)
    },
    hops: async (target, role, max) => ({ start: target, role, max, hidden: 1, hits: [{ address: 'ucxl://shop/src/auth.py', hops: 1, path: [target, 'ucxl://shop/src/auth.py'] }] }),
    resign: async () => { fake.resigned++; return { leader: C } as any },
    generate: async (path, priority) => {
      if (path === 'missing') throw new Error('no such file or directory: missing')
      fake.generated.push({ path, priority })
      return { id: 'req-new-9999', term: 3 }
    },
    watch: async onEvent => { listener = onEvent; return [{ kind: 'election', term: 3, state: 'follower', leader: B, seq: 1, at: 0 }] },
    close: async () => {}
  }
  return fake
}

const settle = async (ms = 30): Promise<void> => { await pause(ms) }
const ESC = '\u001b'
const DOWN = '\u001b[B'

async function open (t: Test, size: { columns: number, rows: number }, options: { mode?: 'daemon' | 'local', write?: boolean, color?: boolean } = {}) {
  const backend = fakeBackend(options.mode)
  let quit = 0
  const app = render(React.createElement(App, { backend, size, color: options.color ?? false, write: options.write ?? false, onQuit: () => { quit++ } }))
  t.teardown(() => app.unmount())
  // The first frame says `loading` until the backend's first answers are drawn: wait for that (bounded), not a fixed
  // pause, which a loaded machine outran.
  for (let waited = 0; waited < 5_000 && /\bloading\b/.test(app.lastFrame() ?? 'loading'); waited += 10) await pause(10)
  await settle(60)
  const { frame, keys, fits } = inkFrame(t, app, size, settle)
  return { backend, frame, keys, fits, quits: () => quit }
}

for (const size of [{ columns: 80, rows: 24 }, { columns: 160, rows: 50 }]) {
  t.test(`${size.columns}x${size.rows}: every panel fits the terminal and shows its part`, async t => {
    const ui = await open(t, size)
    const cluster = ui.frame()
    t.match(cluster, /\[1 Cluster\]/, 'opens on panel 1 with a daemon')
    t.match(cluster, /leader bbbbbbbbbbbb term 3/, 'the header names the leader and the term')
    t.match(cluster, /bbbbbbbbbbbb \*\s+developer\s+leader/, 'the leader is marked')
    t.match(cluster, /cccccccccccc\s+qa\s+cut off\s+-\s+9 s\s+12\s+28/, 'an unreachable peer shows as cut off, with its last contact, log and lag')
    ui.fits('panel 1')

    const queue = await ui.keys('2')
    t.match(queue, /queued 1 .*failed 1 .*rate 0\.50\/s/, 'panel 2: counts by state and the rate')
    t.match(queue, /req-one-\s+failed\s+high\s+4 s\s+bbbbbbbbbbbb\s+ucxl:\/\/shop\/src\/a\.py/, 'a request with its state, priority, age and requester')
    t.match(await ui.keys('\r'), /outcome: failed: parser crashed/, 'enter shows the selected request\'s outcome')
    t.match(await ui.keys(DOWN, '\r'), /outcome: queued/, 'the next one\'s')
    ui.fits('panel 2 open')

    t.match(await ui.keys('3'), />\s+ucxl:\/\/shop\//, 'panel 3 lists the addresses')
    const asAdmin = await ui.keys('j', 'j', '\r')
    t.match(asAdmin, /ucxl:\/\/shop\/src\/auth\.py as admin/, 'enter reads the selected address as this peer\'s role')
    t.match(asAdmin, /insight \(security\): secret compare/)
    t.match(asAdmin, /resolved from: ucxl:\/\/shop\/src\/auth\.py < ucxl:\/\/shop\/src/, 'with what it was resolved from')
    const asViewer = await ui.keys('r')
    t.match(asViewer, /as viewer/, 'r reads it again as the next role held')
    t.match(asViewer, /withheld: internal, secret at ucxl:\/\/shop\/src\/auth\.py/, 'withheld sections are marked with their level')
    t.notMatch(asViewer, /secret compare/)
    ui.fits('panel 3 open')

    await ui.keys('r', ESC)
    const decisions = await ui.keys('4')
    t.match(decisions, />\s+2026-03-02 10:00\s+d-first\s+2\s+Use JWT/, 'panel 4 lists the decisions, the most recent first, with their date')
    t.ok(decisions.indexOf('d-second') < decisions.indexOf('d-third'), 'newest to oldest')
    const hops = await ui.keys('\r')
    t.match(hops, /within 2 hops of d-first: 1/, 'enter follows its hops')
    t.match(hops, /1 hop\s+ucxl:\/\/shop\/src\/auth\.py\s+via d-first > ucxl:\/\/shop\/src\/auth\.py/, 'with the path')
    t.match(hops, /1 more within reach this role may not read/)
    t.match(await ui.keys('+'), /within 3 hops/, '+ follows one hop more')
    ui.fits('panel 4 open')

    t.match(await ui.keys('5'), /election\s+term 3: this peer is follower, leader bbbbbbbbbbbb/, 'panel 5 shows the recent events')
    ui.backend.view = { ...ui.backend.view, leader: C, term: 4 }
    ui.backend.push({ kind: 'member', node: B, role: 'developer', connected: false, seq: 2, at: 0 })
    ui.backend.push({ kind: 'election', term: 4, state: 'follower', leader: C, seq: 3, at: 0 })
    await settle(80)
    t.match(ui.frame(), /left\s+bbbbbbbbbbbb \(developer\)/, 'a departure as it happens')
    t.match(ui.frame(), /leader cccccccccccc term 4/, 'the header follows the new leader the event announced')
    for (let i = 0; i < 80; i++) ui.backend.push({ kind: 'rejected', what: 'frame', node: C, reason: `bad frame ${i}`, seq: 4 + i, at: 0 })
    await settle(80)
    t.match(ui.frame(), /bad frame 79/, 'the newest event is at the bottom')
    ui.fits('panel 5 with more events than rows')
  })
}

t.test('keys: tab, filter, help, command bar, and q', async t => {
  const ui = await open(t, { columns: 80, rows: 24 })
  t.match(await ui.keys('\t'), /\[2 Queue\]/, 'tab moves to the next panel')
  await ui.keys('3')
  const filtered = await ui.keys('/', 'a', 'u', 't', 'h')
  t.match(filtered, /^\/auth$/m, 'the filter is typed in the bar')
  t.notMatch(filtered, /ucxl:\/\/shop\/src$/m, 'and hides what does not match')
  t.match(filtered, /> ucxl:\/\/shop\/src\/auth\.py/)
  t.match(await ui.keys('\r'), /filter \/auth/, 'enter keeps it, shown by the tabs')
  t.match(await ui.keys(ESC), /ucxl:\/\/shop\/src$/m, 'esc clears it')
  const help = await ui.keys('?')
  t.match(help, /Help: Context/, '? shows the focused panel\'s help')
  t.match(help, /:elect resign \(needs --write\)/)
  t.notMatch(await ui.keys('x'), /Help:/, 'any key closes it')
  const read = await ui.keys(':', ...'retrieve ucxl://shop/src viewer'.split(''), '\r')
  t.match(read, /ucxl:\/\/shop\/src as viewer/, ':retrieve ADDRESS ROLE reads it as that role')
  t.match(await ui.keys(':', ...'retrieve ucxl://shop/src security'.split(''), '\r'), /holds no key of the role "security"/)
  t.match(await ui.keys(':', ...'hops d-second 3'.split(''), '\r'), /within 3 hops of d-second/, ':hops ID N')
  t.match(await ui.keys(':', ...'elect resign'.split(''), '\r'), /read-only: start the TUI with --write/, 'resign is refused read-only')
  t.equal(ui.backend.resigned, 0)
  t.match(await ui.keys(':', ...'generate src'.split(''), '\r'), /read-only: start the TUI with --write to generate/, 'generate is refused read-only')
  t.same(ui.backend.generated, [], 'and nothing is asked of the daemon')
  t.match(await ui.keys(':', ...'frobnicate'.split(''), '\r'), /unknown command "frobnicate"/)
  await ui.keys('q')
  t.equal(ui.quits(), 1, 'q quits')
})

t.test('--write: elect resign asks first; n cancels, y resigns', async t => {
  const ui = await open(t, { columns: 80, rows: 24 }, { write: true })
  t.match(await ui.keys(':', ...'elect resign'.split(''), '\r'), /Step down as leader\? \(y\/n\)/)
  t.match(await ui.keys('n'), /cancelled/)
  t.equal(ui.backend.resigned, 0, 'nothing asked on n')
  await ui.keys(':', ...'elect resign'.split(''), '\r', 'y')
  t.equal(ui.backend.resigned, 1, 'y resigns')
  t.match(ui.frame(), /stepped down; the leader is now cccccccccccc/)
})

t.test('--write: :generate asks the leader and logs the accepted request id, or why it was refused', async t => {
  const ui = await open(t, { columns: 80, rows: 24 }, { write: true })
  t.match(await ui.keys(':', ...'generate src/server high'.split(''), '\r'), /generate src\/server: request req-new-9999 accepted in term 3/, 'the bar gives the request id')
  t.same(ui.backend.generated, [{ path: 'src/server', priority: 'high' }], 'the daemon is asked once, with the path and the priority')
  t.match(await ui.keys(':', ...'generate missing'.split(''), '\r'), /generate missing refused: no such file or directory: missing/, 'a refusal is told')
  t.match(await ui.keys(':', ...'generate src urgent'.split(''), '\r'), /the priority must be one of low, normal, high, critical/)
  t.equal(ui.backend.generated.length, 1, 'a bad priority asks nothing')
  const log = await ui.keys('5')
  t.match(log, /you\s+generate src\/server: request req-new-9999 accepted/, 'panel 5 keeps the command log: the accepted request')
  t.match(log, /you\s+generate missing refused/, 'and the refusal')
  ui.fits('command log')
  const local = await open(t, { columns: 80, rows: 24 }, { write: true, mode: 'local' })
  t.match(await local.keys(':', ...'generate src'.split(''), '\r'), /no daemon runs: generate from the shell/, 'without a daemon it says what to do')
  t.same(local.backend.generated, [])
})

t.test('panel 4: o switches between the most recent decisions first and those reaching the most addresses', async t => {
  const ui = await open(t, { columns: 80, rows: 24 })
  const recent = await ui.keys('4')
  t.match(recent, /the most recent first \(o\)/, 'the most recent first by default, and says so')
  t.ok(recent.indexOf('d-first') < recent.indexOf('d-second') && recent.indexOf('d-second') < recent.indexOf('d-third'), 'by date, newest first')
  const reach = await ui.keys('o')
  t.match(reach, /ranked by the addresses they reach \(o\)/)
  t.match(reach, />\s+2026-02-20 08:15\s+d-third\s+5\s+One repo/, 'the one reaching 5 addresses first, selected')
  t.ok(reach.indexOf('d-third') < reach.indexOf('d-first'), 'then by reach')
  t.match(await ui.keys('o'), />\s+2026-03-02 10:00\s+d-first/, 'o again: back to the most recent')
  ui.fits('decisions by date')
})

t.test('without a daemon: opens on the context and says how to start one', async t => {
  const ui = await open(t, { columns: 80, rows: 24 }, { mode: 'local' })
  t.match(ui.frame(), /\[3 Context\]/, 'opens on panel 3')
  t.match(ui.frame(), /no daemon runs: showing the home/)
  const cluster = await ui.keys('1')
  t.match(cluster, /Start one with: bzzz-ctx --home \/tmp\/home node start/, 'panel 1 says how to start a daemon')
  t.match(await ui.keys('4'), /d-first/, 'panel 4 reads the home')
  ui.fits('local')
})

t.test('no colour unless asked: the frame has no escape codes', async t => {
  const plain = await open(t, { columns: 80, rows: 24 }, { color: false })
  t.notMatch(plain.frame(), /\u001b\[/, 'no escape codes with color off (NO_COLOR, --no-color)')
})
