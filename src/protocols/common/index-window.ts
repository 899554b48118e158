/**
 * A dense array by log index that can forget every index below a floor, so a monitor that records
 * something per log index keeps memory proportional to the logs' live part, not to the run's length.
 * Indices below the floor read as unknown and writes to them are dropped: the caller chooses a
 * floor below which no log can hold an entry again.
 */
export class IndexWindow<T> {
  /** The lowest index still kept. */
  private base = 0;
  private items: Array<T | undefined> = [];

  get(index: number): T | undefined {
    return index < this.base ? undefined : this.items[index - this.base];
  }

  set(index: number, value: T): void {
    if (index >= this.base) this.items[index - this.base] = value;
  }

  /** Indices kept, from the floor to the highest one written. */
  get size(): number {
    return this.items.length;
  }

  /** Forgets every index below `floor` (never goes back: a lower floor later changes nothing). */
  forgetBelow(floor: number): void {
    if (floor <= this.base) return;
    this.items = floor - this.base >= this.items.length ? [] : this.items.slice(floor - this.base);
    this.base = floor;
  }
}
