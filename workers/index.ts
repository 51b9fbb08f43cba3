import { app } from './app';
import { consumeDeadLetters, consumeEvents } from './events/consumer';
import { runMaintenance } from './events/maintenance';

export { RealtimeHub } from '../durable-objects/realtime-hub';
export { RateLimiter } from '../durable-objects/rate-limiter';

export default {
  fetch: app.fetch,

  async queue(batch, env) {
    if (batch.queue.endsWith('-dlq')) await consumeDeadLetters(batch, env);
    else await consumeEvents(batch, env);
  },

  async scheduled(_controller, env, ctx) {
    ctx.waitUntil(runMaintenance(env));
  },
} satisfies ExportedHandler<Env>;
