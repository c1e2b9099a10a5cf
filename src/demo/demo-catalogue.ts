import { readFile } from 'node:fs/promises';
import type { AppointmentService } from '../appointments/appointments.service';
import type { ProductInput } from '../catalogue/products.service';
import { DEMO_SHOP_PATH, importSchema } from '../import/import.service';

/** What the demo history is made of: the demo shop's products, services and return reasons. */
export interface DemoCatalogue {
  products: ProductInput[];
  services: AppointmentService[];
  returnReasons: string[];
}

/**
 * The demo shop (`demo/shop.json`, the document the sandbox imports at boot), validated by the import
 * schema: the demo history sells exactly the products the agent talks about.
 */
export async function readDemoCatalogue(path = DEMO_SHOP_PATH): Promise<DemoCatalogue> {
  const doc = importSchema.parse(JSON.parse(await readFile(path, 'utf8')));
  return { products: doc.products ?? [], services: doc.services ?? [], returnReasons: doc.settings?.returnReasons ?? ['damaged', 'does not fit'] };
}
