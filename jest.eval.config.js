/** `npm run eval`: the conversation suites against a real model when OPENAI_API_KEY is set (else the scripted one). */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/conversations'],
  testMatch: ['**/*.eval-spec.ts'],
  testTimeout: 30 * 60_000,
};
