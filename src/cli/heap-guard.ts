import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Keeps a long run's heap near its live data. V8 lets a busy process's old generation grow to
 * several times what is alive before it collects (a 100,000-case run peaked at 213–325 MB of
 * RSS with 40–60 MB alive; with cases pulled as places free, ~20–40 MB are alive, hence the
 * 48 MB floor). Every `everyResults` results, when the heap in use has passed both
 * `floorBytes` and twice what was alive after the last collection, this asks for a full one.
 * Short runs never reach the floor and never pay for it.
 */
export class HeapGuard {
  readonly #collect: () => void;
  readonly #heapUsed: () => number;
  readonly #everyResults: number;
  readonly #floorBytes: number;
  #results = 0;
  #liveAfter = 0;
  #collections = 0;

  constructor(options: {
    readonly collect: () => void;
    readonly heapUsed?: () => number;
    readonly everyResults?: number;
    readonly floorBytes?: number;
  }) {
    this.#collect = options.collect;
    this.#heapUsed = options.heapUsed ?? (() => getHeapStatistics().used_heap_size);
    this.#everyResults = options.everyResults ?? 1000;
    this.#floorBytes = options.floorBytes ?? 48 * 1024 * 1024;
  }

  /** Full collections asked for so far. */
  get collections(): number {
    return this.#collections;
  }

  /** Counts one result; now and then, collects. */
  readonly onResult = (): void => {
    this.#results += 1;
    if (this.#results % this.#everyResults !== 0) return;
    if (this.#heapUsed() < Math.max(this.#floorBytes, 2 * this.#liveAfter)) return;
    this.#collect();
    this.#collections += 1;
    this.#liveAfter = this.#heapUsed();
  };
}

/**
 * V8's full collection, or undefined where this Node cannot give it. Node keeps `gc` behind a
 * flag; set while a new context is made, the flag puts it on that context's global. It is unset
 * at once, so no later context (a `javascript` assertion's) sees a `gc` of its own.
 */
export function fullCollection(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/**
 * {@link fullCollection}, looked up the first time it is called: most runs never need it, and
 * the context it is taken from costs a few milliseconds of start-up.
 */
export function lazyFullCollection(): () => void {
  let gc: (() => void) | undefined | null = null;
  return () => {
    if (gc === null) gc = fullCollection();
    gc?.();
  };
}
