/** The class store: what survives a restart, and what reports are made of. */
export * from "./types.ts";
export { SqliteClassStore, type SqliteStoreOptions, type SnapshotStats } from "./sqlite.ts";
export { RedisClassStore, type RedisStoreOptions } from "./redis.ts";
export { ClassRecorder, type RecorderOptions, type RecorderSource } from "./recorder.ts";
export { storeEnvShape, storeEnvSchema, loadStoreConfig, createClassStore, checkStoreEnv, storeRedisUrl, describeStore, type StoreConfig } from "./config.ts";
export { MIGRATIONS, migrate, schemaVersion, SchemaTooNewError, type Migration } from "./migrations.ts";
export { serializeState, SnapshotHashMismatch, type SnapshotEncoding } from "./codec.ts";
