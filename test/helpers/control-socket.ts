// A raw client of a daemon's control socket, for tests that send what the CLI never would; and one daemon to send it to.
import { readFileSync } from 'node:fs'
import { createConnection, type Socket } from 'node:net'
import { join } from 'node:path'
import type { Test } from 'tap'
import { startBootstrap } from '../../src/net/bootstrap.js'
import { cli, cliProcess } from './cli.js'
import { waitFor } from './cluster.js'
import { scratchDir } from './scratch.js'

export interface RawAnswer {
  id: unknown
  ok: boolean
  result?: any
  error?: { code: string, message: string }
}

/** Writes lines as given and collects every answer line; knows when the daemon closed the connection. */
export class RawControl {
  readonly answers: RawAnswer[] = []
  /** Lines that were not JSON objects: the daemon should never send one. */
  readonly garbage: string[] = []
  closed = false
  private pending = ''

  private constructor (readonly socket: Socket) {
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      this.pending += chunk
      let index: number
      while ((index = this.pending.indexOf('\n')) !== -1) {
        const line = this.pending.slice(0, index)
        this.pending = this.pending.slice(index + 1)
        try {
          const value = JSON.parse(line)
          if (typeof value === 'object' && value !== null && !Array.isArray(value)) this.answers.push(value)
          else this.garbage.push(line)
        } catch {
          this.garbage.push(line)
        }
      }
    })
    socket.on('close', () => { this.closed = true })
    socket.on('error', () => {})
  }

  static async open (path: string): Promise<RawControl> {
    return await new Promise((resolve, reject) => {
      const socket = createConnection(path)
      socket.once('connect', () => { resolve(new RawControl(socket)) })
      socket.once('error', reject)
    })
  }

  send (line: string | Buffer): void {
    this.socket.write(line)
    this.socket.write('\n')
  }

  /** Waits until `count` answers have come (or the connection closed), at most `timeoutMs`. */
  async waitAnswers (count: number, timeoutMs = 10_000): Promise<RawAnswer[]> {
    const deadline = Date.now() + timeoutMs
    while (this.answers.length < count && !this.closed && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 5))
    return this.answers
  }

  async waitClosed (timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (!this.closed && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 5))
    return this.closed
  }

  close (): void {
    this.socket.destroy()
  }
}

/** One request on a connection of its own: the answer, and how long it took. */
export async function timedRequest (path: string, request: object, timeoutMs = 10_000): Promise<{ answer: RawAnswer | undefined, ms: number }> {
  const started = performance.now()
  const client = await RawControl.open(path)
  try {
    client.send(JSON.stringify(request))
    const [answer] = await client.waitAnswers(1, timeoutMs)
    return { answer, ms: performance.now() - started }
  } finally {
    client.close()
  }
}

/** The resident memory of a process in bytes (Linux), or null where /proc cannot tell. */
export function residentBytes (pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match === null ? null : Number(match[1]) * 1024
  } catch {
    return null
  }
}

export interface TestDaemon {
  home: string
  socket: string
  pid: number
  bootstrap: string
}

/** A one-peer cluster's daemon, detached, on a private loopback DHT; stopped by the test's teardown. */
export async function startTestDaemon (t: Test, cluster = 'ctl'): Promise<TestDaemon> {
  const dht = await startBootstrap({ host: '127.0.0.1', port: 0, nodes: 2 })
  const bootstrap = dht.nodes.join(',')
  const home = join(scratchDir('bzzz-ctl-'), 'home')
  const init = await cli(['--home', home, 'init', '--cluster', cluster, '--role', 'admin', '--project', 'fuzz'])
  if (init.code !== 0) throw new Error('init failed: ' + init.stderr)
  t.teardown(async () => {
    await cliProcess(['--home', home, 'node', 'stop']).catch(() => {})
    await dht.close()
  })
  const started = await cliProcess(['--home', home, 'node', 'start', '--bootstrap', bootstrap, '--detach', '--election-timeout', '200'])
  if (started.code !== 0) throw new Error('node start failed: ' + started.stderr)
  const socket = join(home, 'ctl.sock')
  await waitFor('the daemon to lead its one-peer cluster', async () => {
    const { answer } = await timedRequest(socket, { id: 1, op: 'status' })
    return answer?.ok === true && answer.result.leader === answer.result.node.id
  }, 30_000)
  return { home, socket, pid: Number(readFileSync(join(home, 'daemon.pid'), 'utf8')), bootstrap }
}

/** Whether process `pid` runs (a zombie, an exited daemon not yet reaped by init, does not). */
export function processRuns (pid: number): boolean {
  try { process.kill(pid, 0) } catch { return false }
  try { return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8')) } catch { return true }
}
