/**
 * A least-recently-used map on a plain Map (whose order is insertion order: a hit is moved to the end,
 * the oldest entry is the first). Unlike `lru-cache`, which allocates arrays for `max` entries up front
 * (27 ms and megabytes for 200,000, on every command that opens a cache), it costs nothing until used.
 */
export class Lru<K, V> {
  private readonly map = new Map<K, V>()

  constructor (readonly max: number) {
    if (!(max >= 1)) throw new RangeError('an Lru holds at least one entry')
  }

  get size (): number {
    return this.map.size
  }

  /** The value, now the most recently used; undefined when absent. */
  get (key: K): V | undefined {
    if (!this.map.has(key)) return undefined
    const value = this.map.get(key) as V
    this.map.delete(key)
    this.map.set(key, value)
    return value
  }

  has (key: K): boolean {
    return this.map.has(key)
  }

  /** Sets the value as the most recently used, dropping the least recently used beyond `max`. */
  set (key: K, value: V): this {
    this.map.delete(key)
    this.map.set(key, value)
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K)
    return this
  }

  delete (key: K): boolean {
    return this.map.delete(key)
  }

  clear (): void {
    this.map.clear()
  }

  /** Least recently used first. Deleting while iterating is safe. */
  keys (): IterableIterator<K> {
    return this.map.keys()
  }

  values (): IterableIterator<V> {
    return this.map.values()
  }

  entries (): IterableIterator<[K, V]> {
    return this.map.entries()
  }
}
