// Vega-Lite spec → SVG, in a worker thread. vega and vega-lite are ES modules with top-level await,
// which the product (CommonJS) cannot require and jest's module sandbox cannot load twice; a worker
// loads them natively, once, and keeps the drawing off the main thread's event loop.
import { parentPort } from 'node:worker_threads';

const vegaLite = await import('vega-lite');
const vega = await import('vega');

parentPort.on('message', async ({ id, spec }) => {
  try {
    const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
    try {
      parentPort.postMessage({ id, svg: await view.toSVG() });
    } finally {
      view.finalize();
    }
  } catch (err) {
    parentPort.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
