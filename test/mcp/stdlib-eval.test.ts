// The eval an agent's answers are judged by: fixed questions on packages of this machine's Python standard library
// (json, email, http), asked through `bzzz-ctx mcp` over stdio, each answer checked against one derived from the files
// by a plain line scan (test/bench/stdlib-eval.ts says how). `npm run bench -- --only=mcp` reports the same figures.
import t from 'tap'
import { join } from 'node:path'
import { cli } from '../helpers/cli.js'
import { mcpClient } from '../helpers/mcp.js'
import { scratchDir } from '../helpers/scratch.js'
import { copyEvalPackages, EVAL_PROJECT, evalQuestions, runEval } from '../bench/stdlib-eval.js'

const dir = scratchDir('bzzz-eval-')
const corpus = copyEvalPackages(join(dir, 'repo'))
if ('skipped' in corpus) {
  t.plan(0, `the stdlib eval: ${corpus.skipped}`)
} else {
  t.test('each question on json, email and http is answered exactly through the MCP tools', async t => {
    const home = join(dir, 'home')
    const init = await cli(['--home', home, 'init', '--cluster', 'eval', '--role', 'developer', '--project', EVAL_PROJECT, '-q'])
    t.equal(init.code, 0, init.stderr)
    const generate = await cli(['--home', home, 'generate', corpus.root, '--root', corpus.root, '-q'])
    t.equal(generate.code, 0, generate.stderr)
    const questions = evalQuestions(corpus)
    t.ok(questions.every(q => q.expected.length > 0), 'every question has an answer in this copy')
    const mcp = await mcpClient(home)
    t.teardown(mcp.close)
    const result = await runEval(mcp.client, corpus, questions)
    for (const answer of result.answers) {
      t.same(answer.got, answer.question.expected, `${answer.question.kind} ${answer.question.subject}`)
    }
    t.comment(`accuracy ${result.answers.filter(a => a.exact).length}/${result.answers.length}; ` +
      `${result.tokensPerAnswer} tokens per answer against ${result.tokensReadingFiles} reading the files that hold it`)
    t.equal(result.accuracy, 1, 'every answer exact')
    t.ok(result.tokensPerAnswer < result.tokensReadingFiles, 'an answer costs less than reading its files')
  })
}
