import { Controller, Get, NotFoundException, Param, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { parseOrThrow } from '../common/validation';
import { OrdersService } from './orders.service';

const listQuery = z.object({
  status: z.enum(['awaiting_payment', 'paid', 'cancelled']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** Orders the agent placed. Amounts are in cents. Admins only. */
@Controller('api/orders')
@UseGuards(ApiKeyGuard)
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Get()
  list(@Query() query: unknown) {
    return this.orders.list(parseOrThrow(listQuery, query));
  }

  @Get(':number')
  async get(@Param('number') number: string) {
    const order = await this.orders.byNumber(number);
    if (!order) throw new NotFoundException({ error: 'not_found', message: `No order ${number}` });
    return order;
  }
}
