// Puts a map back together from its two messages (MapPointsView, then MapIdsView): the points are
// drawn as they come, the ids join them only when they belong to the same map (seq), and an
// erasure's delta that arrives in between waits for the ids (it names points by id).
import { isMapPointsView, joinMapView, type MapDeltaView, type MapPointsView, type MapView } from '../src/shared/protocol';
import { applyMapDelta } from './mapDelta';

export type IdsOutcome = { kind: 'map'; map: MapView } | { kind: 'stale' } | { kind: 'invalid' };

export class MapReceiver {
  private waitingPoints: MapPointsView | null = null;
  private held: MapDeltaView[] = [];

  /** A map's points are drawn and its ids are on the way. */
  get pending(): boolean {
    return this.waitingPoints !== null;
  }

  /** The points to draw now, or null when the message is not well formed (nothing changes then). */
  points(p: unknown): MapPointsView | null {
    if (!isMapPointsView(p)) return null;
    this.waitingPoints = p;
    this.held = [];
    return p;
  }

  /** The whole map once its ids came, with the deltas held meanwhile applied; stale ids (of a map replaced on the way) are dropped. */
  ids(p: unknown): IdsOutcome {
    const points = this.waitingPoints;
    if (!points || typeof p !== 'object' || p === null || (p as { seq?: unknown }).seq !== points.seq) return { kind: 'stale' };
    this.waitingPoints = null;
    const held = this.held;
    this.held = [];
    const whole = joinMapView(points, p);
    return whole ? { kind: 'map', map: held.reduce(applyMapDelta, whole) } : { kind: 'invalid' };
  }

  /** The map after a delta, or null while a map's ids are on the way (the delta is applied when they come). */
  delta(d: MapDeltaView, current: MapView): MapView | null {
    if (this.waitingPoints) {
      this.held.push(d);
      return null;
    }
    return applyMapDelta(current, d);
  }
}
