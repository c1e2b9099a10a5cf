/** Injection tokens of values built outside Nest's class providers. */
export const APP_CONFIG = Symbol('APP_CONFIG');
export const DATA_SOURCE_FACTORY = Symbol('DATA_SOURCE_FACTORY');
