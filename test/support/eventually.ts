/**
 * Reads a value until it satisfies `done` (state that another process writes a moment later), then
 * returns it; the caller asserts on it. Gives up after `timeoutMs` and returns the last value read.
 */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  return value;
}
