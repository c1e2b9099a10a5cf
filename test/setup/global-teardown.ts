import type { EmbeddedTemporal } from '../../src/temporal/embedded-temporal';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __temporal?: EmbeddedTemporal }).__temporal?.stop();
}
