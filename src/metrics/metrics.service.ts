import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { bindDatabase, registry } from './metrics';

/** Serves the registry; gives the database gauges this process's database while the application runs. */
@Injectable()
export class MetricsService implements OnModuleInit, OnModuleDestroy {
  constructor(private readonly db: DataSource) {}

  onModuleInit(): void {
    bindDatabase((sql) => this.db.query(sql));
  }

  onModuleDestroy(): void {
    bindDatabase(undefined);
  }

  get contentType(): string {
    return registry.contentType;
  }

  scrape(): Promise<string> {
    return registry.metrics();
  }
}
