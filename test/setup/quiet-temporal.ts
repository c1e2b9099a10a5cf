import { DefaultLogger, Runtime } from '@temporalio/worker';

// The SDK's workers log at WARN and above in tests, as in the product.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  /* installed by an earlier suite in this process */
}
