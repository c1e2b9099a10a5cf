import 'reflect-metadata';
import { startApp } from './bootstrap';
import { runProductionProcess } from './production';

/** Production worker process: Temporal workflows and activities, no HTTP port. Scale horizontally. */
void runProductionProcess('worker', (config) => startApp(config, { api: false, worker: true }));
