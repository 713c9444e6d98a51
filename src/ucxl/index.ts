/** UCXL addresses, the names of every record: parse, validate, format, and the parent chain. */
export * from './address.js'
