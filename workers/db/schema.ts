/**
 * Ledge's system tables (drizzle-orm), one file per domain, re-exported here: drizzle-kit reads
 * this index (drizzle.config.ts) and code imports from it. User tables created through the
 * Databases API are not here: they are real SQLite tables made at run time (see workers/databases).
 * Times are stored as Appwrite datetime strings (lib/time.ts) so they sort and compare lexically.
 * JSON columns hold arrays/objects; booleans are 0/1 integers. A new domain adds its own file.
 */
export * from './project';
export * from './identity';
export * from './teams';
export * from './oauth2';
export * from './mfa';
export * from './mail';
export * from './events';
export * from './databases';
export * from './functions';
export * from './webhooks';
export * from './storage';
export * from './realtime';
export * from './console';
