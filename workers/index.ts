import { app } from './app';
import { consumeDeadLetters, consumeEvents } from './events/consumer';
import { runMaintenance } from './events/maintenance';
import { abortAbandonedUploads } from './storage/chunks';

export { RealtimeHub } from '../durable-objects/realtime-hub';
export { RateLimiter } from '../durable-objects/rate-limiter';

// Event wiring, in one place. After-commit sinks (events/publish.ts `registerSink`): the queue sink
// is built in; realtime registers its RPC fan-out to the hub shards here. Queue handlers
// (events/consumer.ts `registerEventHandler`): function triggers and webhooks register here, each
// with a stable name, since per-handler receipts carry it.

export default {
  fetch: app.fetch,

  async queue(batch, env) {
    if (batch.queue.endsWith('-dlq')) await consumeDeadLetters(batch, env);
    else await consumeEvents(batch, env);
  },

  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(runMaintenance(env));
    // Chunked uploads untouched for 24 h: R2 multipart aborted, rows removed.
    ctx.waitUntil(abortAbandonedUploads(env));
  },
} satisfies ExportedHandler<Env>;
