import { Body, Controller, Get, Put, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { parseOrThrow } from '../common/validation';
import { productsSchema, ProductsService } from './products.service';

/** The catalogue. Admins only. */
@Controller('api/products')
@UseGuards(ApiKeyGuard)
export class ProductsController {
  constructor(private readonly products: ProductsService) {}

  /** Upserts by SKU; every row is validated first and nothing is written when one is wrong (400 with each row's problems). */
  @Put()
  upsert(@Body() body: unknown) {
    return this.products.upsert(parseOrThrow(productsSchema, body));
  }

  @Get()
  search(@Query('query') query?: unknown) {
    return this.products.search(query === undefined ? undefined : parseOrThrow(z.string().max(200), query, 'query'), 100);
  }
}
