/** `npm run test:faults`: the fault-injection suite (real process kills, server stops, outages). */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/faults'],
  testMatch: ['**/*.faults-spec.ts'],
  testTimeout: 600_000,
};
