import { WorkerEntrypoint } from 'cloudflare:workers';
import { app } from './app';
import { fetchAllowedHost, routeOutbound, type OutboundProps } from './functions/outbound';
import { readConfig } from './lib/config';
import { meteredD1, usageHeader } from './lib/d1-meter';
import { dohResolver } from './lib/net';
import { webhookDelivery } from './webhooks/deliver';
import { consumeDeadLetters, consumeEvents, registerEventHandler } from './events/consumer';
import { dropExpiredTransactions } from './databases/transactions/store';
import { runMaintenance } from './events/maintenance';
import { abortAbandonedUploads } from './storage/chunks';
import { consumeExecutions } from './functions/executions-queue';
import { runSchedules } from './functions/schedules';
import { functionTriggers } from './functions/triggers';
import { registerSink } from './events/publish';
import { realtimeSink } from './realtime/sink';

export { RealtimeHub } from '../durable-objects/realtime-hub';
export { RateLimiter } from '../durable-objects/rate-limiter';

// Event wiring, in one place. After-commit sinks (events/publish.ts `registerSink`): the queue sink
// is built in; realtime registers its RPC fan-out to the hub shards here. Queue handlers
// (events/consumer.ts `registerEventHandler`): function triggers and webhooks register here, each
// with a stable name, since per-handler receipts carry it.
registerSink(realtimeSink);

/**
 * The outbound of every function isolate (its `globalOutbound`, with the function's props): calls
 * to Ledge's API are served by `app` in this very Worker, anything else is decided by
 * functions/outbound.ts.
 */
export class FunctionOutbound extends WorkerEntrypoint<Env, OutboundProps> {
  fetch(request: Request): Promise<Response> {
    return routeOutbound(request, this.ctx.props, {
      app: async (r) => app.fetch(r, this.env, this.ctx),
      external: (r) => {
        const { outbound } = readConfig(this.env);
        return fetchAllowedHost(r, this.ctx.props, { resolve: dohResolver({ endpoint: outbound.dohUrl }), allowPrivate: outbound.allowPrivate, timeoutMs: this.ctx.props.timeoutMs });
      },
    });
  }
}

registerEventHandler(functionTriggers);
registerEventHandler(webhookDelivery());

/**
 * `D1_METER=on` (bench only, README "Configuration"): a request carrying `X-Ledge-D1-Meter` runs
 * on a D1 binding that adds up its rows read and written, answered in `X-Ledge-D1-Rows`.
 *
 * This is also THE seam for any per-request D1 binding: routes, stores and `callerOf`
 * (identity/batch.ts) only ever read `c.env.DB`, so a request's binding is chosen here, once, by
 * handing `app.fetch` an env whose `DB` is that binding, and its response header is set after. A
 * read-replica session (`env.DB.withSession(bookmark ?? 'first-unconstrained')`, bookmark out in a
 * response header from `session.getBookmark()`) plugs in the same way, under the meter.
 */
async function fetchMetered(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const { db, usage } = meteredD1(env.DB);
  const response = await app.fetch(request, { ...env, DB: db }, ctx);
  if (response.webSocket) return response; // an upgrade keeps its own response
  const metered = new Response(response.body, response);
  metered.headers.set('X-Ledge-D1-Rows', usageHeader(usage));
  return metered;
}

export default {
  fetch(request, env, ctx) {
    if (env.D1_METER === 'on' && request.headers.has('X-Ledge-D1-Meter')) return fetchMetered(request, env, ctx);
    return app.fetch(request, env, ctx);
  },

  async queue(batch, env, ctx) {
    if (batch.queue.endsWith('-dlq')) await consumeDeadLetters(batch, env);
    else if (batch.queue.endsWith('-executions')) await consumeExecutions(batch, env, ctx);
    else await consumeEvents(batch, env);
  },

  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runMaintenance(env));
    // Due cron slots of scheduled functions, and scheduled executions now within a queue delay.
    ctx.waitUntil(runSchedules(env, controller.scheduledTime));
    // Chunked uploads untouched for 24 h: R2 multipart aborted, rows removed.
    ctx.waitUntil(abortAbandonedUploads(env));
    // Database transactions past their ttl: dropped with what they staged.
    ctx.waitUntil(dropExpiredTransactions(env.DB));
  },
} satisfies ExportedHandler<Env>;
