// Lookups keyed by what a user or a file supplies read a table's own entries only: a key such as
// `constructor`, `toString` or `__proto__` names nothing in a table, never a property every object has.

const owns = (table: object, key: string): boolean => Object.prototype.hasOwnProperty.call(table, key);

/** The entry `table` has under `key` itself, or undefined. */
export function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return owns(table, key) ? table[key] : undefined;
}

/** Whether `key` is an own entry of `table` (a type guard for the table's key type). */
export function hasOwn<K extends string>(table: Readonly<Record<K, unknown>>, key: string): key is K {
  return owns(table, key);
}
