import 'reflect-metadata';
import { startApp } from './bootstrap';
import { runProductionProcess } from './production';

/** Production api process: webhook, admin API and inbox redelivery. Scale horizontally. */
void runProductionProcess('api', (config) => startApp(config, { api: true, worker: false }));
