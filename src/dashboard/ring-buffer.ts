/** Fixed-size histories for the dashboard's charts. Pure: no I/O, no timers. */

/** The last `capacity` numbers pushed; older ones are overwritten. */
export class RingBuffer {
  readonly capacity: number;
  private readonly data: number[];
  private start = 0;
  private size = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`ring buffer capacity must be a whole number above 0, got ${capacity}`);
    }
    this.capacity = capacity;
    this.data = new Array<number>(capacity).fill(0);
  }

  get length(): number {
    return this.size;
  }

  push(value: number): void {
    if (this.size < this.capacity) {
      this.data[(this.start + this.size) % this.capacity] = value;
      this.size++;
    } else {
      this.data[this.start] = value;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** Oldest first. */
  toArray(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.data[(this.start + i) % this.capacity] ?? 0);
    return out;
  }

  /** The newest value, undefined when empty. */
  last(): number | undefined {
    return this.size === 0 ? undefined : this.data[(this.start + this.size - 1) % this.capacity];
  }

  clear(): void {
    this.start = 0;
    this.size = 0;
  }
}

export interface Series {
  /** Oldest first, as long as `times`. */
  values: number[];
  /** Milliseconds (the caller's clock) of each value. */
  times: number[];
}

/** One ring of values (and one of their timestamps) per key, e.g. a connection id and side. */
export class SeriesStore {
  private readonly series = new Map<string, { values: RingBuffer; times: RingBuffer }>();

  constructor(readonly capacity: number) {
    // Fail here, not at the first push.
    new RingBuffer(capacity);
  }

  push(key: string, value: number, timeMs: number): void {
    let s = this.series.get(key);
    if (s === undefined) {
      s = { values: new RingBuffer(this.capacity), times: new RingBuffer(this.capacity) };
      this.series.set(key, s);
    }
    s.values.push(value);
    s.times.push(timeMs);
  }

  has(key: string): boolean {
    return this.series.has(key);
  }

  /** In insertion order of their first point. */
  keys(): string[] {
    return [...this.series.keys()];
  }

  /** Empty arrays for an unknown key. */
  get(key: string): Series {
    const s = this.series.get(key);
    if (s === undefined) return { values: [], times: [] };
    return { values: s.values.toArray(), times: s.times.toArray() };
  }

  /** Time of the newest point, undefined for an unknown key. */
  lastTime(key: string): number | undefined {
    return this.series.get(key)?.times.last();
  }

  /**
   * Drops every key whose newest point is older than `maxAgeMs` at `nowMs`
   * (a point exactly `maxAgeMs` old is kept). Returns the dropped keys.
   */
  prune(nowMs: number, maxAgeMs: number): string[] {
    const dropped: string[] = [];
    for (const [key, s] of this.series) {
      const last = s.times.last();
      if (last === undefined || nowMs - last > maxAgeMs) {
        this.series.delete(key);
        dropped.push(key);
      }
    }
    return dropped;
  }

  delete(key: string): boolean {
    return this.series.delete(key);
  }

  clear(): void {
    this.series.clear();
  }

  get size(): number {
    return this.series.size;
  }
}
