import { Logger } from '@nestjs/common';
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { searchAttributes } from '../../workflows/definitions';

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

/**
 * Registers the search attributes the Temporal UI filters conversations by (IntegrationId,
 * CustomerPhone, ConversationStatus) when the namespace lacks them. Works on the embedded dev server
 * and on a self-hosted cluster; on Temporal Cloud, create them once in the namespace settings.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const logger = new Logger('SearchAttributes');
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = searchAttributes.filter((key) => !(key.name in (customAttributes ?? {})));
  if (missing.length === 0) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((key) => [key.name, KEYWORD])),
  });
  logger.log(`Registered search attributes ${missing.map((k) => k.name).join(', ')} in namespace ${namespace}`);
}
