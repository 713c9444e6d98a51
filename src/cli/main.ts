/** The executable's entry: run the CLI on this process's arguments and exit with its code. */
import { processIo } from './io.js'
import { runCli } from './program.js'

const code = await runCli(process.argv, processIo())
// A command's own failure wins; a failed write to stdout (processIo) makes a success exit 1.
process.exitCode = code !== 0 ? code : process.exitCode ?? 0
