/**
 * Context records and what every peer does with them: validation, the child-over-parent merge, bounded resolution,
 * sections by level.
 */
export * from './record.js'
export * from './merge.js'
export * from './resolve.js'
export * from './sections.js'
export * from './validate.js'
