import type { AppConfig } from '../config/config';

/** How every connection of the product reaches Temporal: plain on a local or private cluster, TLS + API key on Temporal Cloud. */
export function temporalConnectionOptions(config: AppConfig): { address?: string; tls?: boolean; apiKey?: string } {
  const { address, apiKey } = config.temporal;
  return apiKey ? { address, tls: true, apiKey } : { address };
}
