/**
 * The one token estimate every agent-facing answer and budget uses: about four characters of JSON per token, the rule
 * of thumb for English and code with common tokenizers. An estimate, not a count: budgets leave it room.
 */

/** Characters of text per token, on average. */
export const CHARS_PER_TOKEN = 4

/** The most an answer to an agent may cost unless it asks for less (Claude Code warns past 25,000). */
export const DEFAULT_ANSWER_TOKENS = 8_000
/** The most an agent may ask one answer to cost. */
export const MAX_ANSWER_TOKENS = 50_000
/**
 * The least an agent may ask for: the frame of an answer is never cut (a file's address, the chain it resolved from,
 * what was withheld at each level of it, its version: about 250 tokens for a file four folders deep).
 */
export const MIN_ANSWER_TOKENS = 400

/** Tokens a text, or a value as compact JSON, costs. */
export function estimateTokens (value: unknown): number {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? ''
  return Math.ceil(text.length / CHARS_PER_TOKEN)
}
