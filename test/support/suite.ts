// What a describe block (or a file) starts in beforeAll, read by its tests through an accessor.

/** `value` as beforeAll made it; read outside a test (before beforeAll ran), it is a mistake in the test. */
export function madeBeforeAll<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is made in beforeAll: read it inside a test`);
  return value;
}
