/** Decisions in time: the pure decision graph and its hop queries (here), and its index over a store (decisions.ts). */
export * from './graph.js'
