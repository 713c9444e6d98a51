// Runs the CLI in-process (as `bzzz-ctx ...args`) or as a real process, and captures both outputs.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { runCli } from '../../src/cli/program.js'
import { PACKAGE_ROOT } from '../../src/paths.js'
import { scratchDir } from './scratch.js'

export interface CliRun {
  code: number
  stdout: string
  stderr: string
  json: any
}

function parseJson (text: string): unknown {
  try { return JSON.parse(text) } catch { return undefined }
}

export async function cli (args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  let stdout = ''
  let stderr = ''
  const io = {
    stdout: { write: (s: string) => { stdout += s; return true }, isTTY: false },
    stderr: { write: (s: string) => { stderr += s; return true }, isTTY: false },
    env: { ...process.env, BZZZ_HOME: undefined, ...env }
  }
  const code = await runCli(['node', 'bzzz-ctx', ...args], io)
  return { code, stdout, stderr, json: parseJson(stdout) }
}

export function tempHome (): string {
  return join(scratchDir('bzzz-cli-'), 'home')
}

export const BIN = join(PACKAGE_ROOT, 'bin', 'bzzz-ctx')

/** Runs the built CLI with its stdout a pipe nobody reads: closed before the CLI writes (`| head -0`). */
export async function cliProcessClosedStdout (args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<{ code: number, stderr: string }> {
  return await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.destroy()
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`bzzz-ctx ${args.join(' ')} timed out`)) }, timeoutMs)
    child.on('error', reject)
    child.on('close', code => { clearTimeout(timer); resolve({ code: code ?? -1, stderr }) })
  })
}

/** Runs the built executable as a real process, bounded by a timeout. */
export async function cliProcess (args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliRun> {
  return await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`bzzz-ctx ${args.join(' ')} timed out`)) }, timeoutMs)
    child.on('error', reject)
    child.on('close', code => { clearTimeout(timer); resolve({ code: code ?? -1, stdout, stderr, json: parseJson(stdout) }) })
  })
}
