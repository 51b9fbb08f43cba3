/** The Storage service (`/v1/storage`) and the file tokens of the Tokens service (`/v1/tokens`). */
import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { bucketRoutes } from './bucket-routes';
import { fileRoutes } from './file-routes';
import { DEFERRED_STORAGE_READS, serveRoutes } from './serve-routes';
import { tokenRoutes } from './token-routes';

export const storageRoutes = new Hono<AppEnv>().route('/buckets', bucketRoutes).route('/buckets', fileRoutes).route('/buckets', serveRoutes);

export { DEFERRED_STORAGE_READS, tokenRoutes };
