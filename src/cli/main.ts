/** The executable's entry: run the CLI on this process's arguments and exit with its code. */
import { processIo } from './io.js'
import { runCli } from './program.js'

const code = await runCli(process.argv, processIo())
process.exitCode = code
