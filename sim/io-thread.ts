/**
 * Exact replay needs one storage I/O thread: with libuv's default four, two reads a step starts end in either order, and
 * a peer answers in that order. The pool's size is read from the environment once, before any of the CLI's code runs,
 * so a memory-mode run in a process started without it runs again in a child that has it.
 */
import { spawn } from 'node:child_process'

export const IO_THREADS_VARIABLE = 'UV_THREADPOOL_SIZE'

/** Whether this process's storage I/O runs on one thread (set before it started). */
export function oneIoThread (): boolean {
  return process.env[IO_THREADS_VARIABLE] === '1'
}

/** Runs this same command again with one I/O thread, its output and signals passed through; resolves its exit code. */
export async function rerunWithOneIoThread (): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit', env: { ...process.env, [IO_THREADS_VARIABLE]: '1' }
  })
  const forward = (signal: NodeJS.Signals): void => { child.kill(signal) }
  process.on('SIGINT', forward).on('SIGTERM', forward)
  try {
    return await new Promise(resolve => { child.on('exit', (code, signal) => { resolve(code ?? (signal !== null ? 1 : 0)) }) })
  } finally {
    process.off('SIGINT', forward).off('SIGTERM', forward)
  }
}
