/** A hybrid logical clock, pure: the wall time is passed in, never read. */

export interface Hlc {
  /** Milliseconds since the epoch, as the writer's clock saw them (never behind the last stamp). */
  wall: number
  /** Orders stamps that share a wall time. */
  logical: number
}

export const ZERO_HLC: Hlc = { wall: 0, logical: 0 }

/** The next stamp for a local event at wall time `nowMs`. */
export function tickHlc (last: Hlc, nowMs: number): Hlc {
  if (nowMs > last.wall) return { wall: nowMs, logical: 0 }
  return { wall: last.wall, logical: last.logical + 1 }
}

/** The next stamp after seeing a remote stamp, so local events order after everything observed. */
export function observeHlc (last: Hlc, remote: Hlc, nowMs: number): Hlc {
  const wall = Math.max(last.wall, remote.wall, nowMs)
  if (wall === last.wall && wall === remote.wall) return { wall, logical: Math.max(last.logical, remote.logical) + 1 }
  if (wall === last.wall) return { wall, logical: last.logical + 1 }
  if (wall === remote.wall) return { wall, logical: remote.logical + 1 }
  return { wall, logical: 0 }
}

export function compareHlc (a: Hlc, b: Hlc): number {
  return a.wall !== b.wall ? Math.sign(a.wall - b.wall) : Math.sign(a.logical - b.logical)
}
