/**
 * Names in the order a person expects: `tx-2` before `tx-10`. Pure. The
 * collator compares digit runs as numbers; case and accents are ignored
 * first, then break ties so the order is total and stable.
 */
const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** A sorted copy of `items`, by the natural order of `keyOf`. */
export function naturalSort<T>(items: Iterable<T>, keyOf: (item: T) => string): T[] {
  return [...items].sort((x, y) => naturalCompare(keyOf(x), keyOf(y)));
}
