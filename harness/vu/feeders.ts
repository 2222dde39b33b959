/**
 * Feeder row selection across VUs, iterations and workers.
 *
 * - `sequential`: rows in file order, wrapping around at the end.
 * - `unique`: rows in file order, each used at most once in the whole run;
 *   when the rows run out, reads yield no row (the send then fails to
 *   encode and is counted as error kind `other`, with one warning).
 * - `random`: a uniformly random row each time.
 *
 * Sequential and unique order is global across worker processes without any
 * coordination: a worker's t-th take (t = 0, 1, …) uses global row
 * t · count + index, so worker i only ever uses rows ≡ i (mod count) and two
 * workers never share a row. One {@link FeederSet} lives per worker for the
 * whole run (phases continue where the previous one stopped).
 */
import type { FeederConfig } from '../scenario/types.ts';
import type { ExecutionSegment } from '../executors/types.ts';

type Row = Readonly<Record<string, string>>;

/** One feeder's rows and its take counter. */
export class FeederCursor {
  private taken = 0;
  private exhaustedWarned = false;

  constructor(
    readonly name: string,
    private readonly order: FeederConfig['order'],
    private readonly rows: readonly Row[],
    private readonly segment: ExecutionSegment,
    private readonly warn: (message: string) => void,
  ) {}

  /** Next row for a VU; undefined when the feeder has no (more) rows. */
  take(random: () => number): Row | undefined {
    const n = this.rows.length;
    if (n === 0) return undefined;
    if (this.order === 'random') return this.rows[Math.floor(random() * n)];
    const global = this.taken * this.segment.count + this.segment.index;
    this.taken++;
    if (this.order === 'sequential') return this.rows[global % n];
    if (global < n) return this.rows[global];
    if (!this.exhaustedWarned) {
      this.exhaustedWarned = true;
      this.warn(`feeder '${this.name}' (order: unique) ran out of rows after ${n} rows in total; later reads have no row`);
    }
    return undefined;
  }
}

/** All feeders of a worker, addressable by index (hot path) or name. */
export class FeederSet {
  readonly cursors: readonly FeederCursor[];
  private readonly indexByName: ReadonlyMap<string, number>;

  constructor(
    configs: readonly FeederConfig[],
    rowsByName: Readonly<Record<string, readonly Row[]>>,
    segment: ExecutionSegment,
    warn: (message: string) => void,
  ) {
    this.cursors = configs.map((c) => new FeederCursor(c.name, c.order, rowsByName[c.name] ?? [], segment, warn));
    this.indexByName = new Map(configs.map((c, i) => [c.name, i]));
  }

  /** Index of feeder `name`, -1 when there is none. */
  indexOf(name: string): number {
    return this.indexByName.get(name) ?? -1;
  }
}
