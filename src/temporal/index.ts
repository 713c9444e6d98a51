export * from './graph.js'
