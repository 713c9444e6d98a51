export * from './election.js'
