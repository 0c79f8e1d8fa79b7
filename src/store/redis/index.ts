/** The Redis task store: for agents on several machines. */
export { RedisTaskStore, openRedisStore, DEFAULT_MAX_ARTIFACT_BYTES, type RedisTaskStoreOptions, type OpenRedisStoreOptions } from './redis-store.ts';
export { connectRedis, parseRedisUrl, redactUrl, type ConnectOptions } from './connection.ts';
export { RedisUnavailableError, ArtifactTooLargeError, StoreContentionError } from './errors.ts';
export { storeKeys, DEFAULT_PREFIX, type StoreKeys } from './keys.ts';
