/** The Redis task store: for agents on several machines. */
export { RedisTaskStore, openRedisStore, type RedisTaskStoreOptions, type OpenRedisStoreOptions } from './redis-store.ts';
export { connectRedis, parseRedisUrl, redactUrl, type ConnectOptions } from './connection.ts';
export { RedisUnavailableError, StoreContentionError } from './errors.ts';
export { storeKeys, DEFAULT_PREFIX, type StoreKeys } from './keys.ts';
