import { DurableObject } from 'cloudflare:workers';
import { mayReceive } from '../workers/lib/permissions';

/** What a hub keeps per socket, in its hibernation attachment. */
export interface SocketState {
  userId: string | null;
  roles: string[];
  /** subscriptionId → channels */
  subscriptions: Record<string, string[]>;
}

export interface HubMessage {
  channels: string[];
  /** Roles allowed to receive it; `any` lets everyone. */
  roles: string[];
  events: string[];
  payload: unknown;
  timestamp: string;
}

/**
 * Holds hibernatable WebSockets for one shard of a project's realtime connections and fans
 * published events out to the sockets whose subscriptions and roles match. State lives in each
 * socket's attachment, so a hibernated hub wakes with nothing to rebuild.
 */
export class RealtimeHub extends DurableObject<Env> {
  /** Accepts an upgrade the Worker has already authenticated; the state travels in a header. */
  async fetch(request: Request): Promise<Response> {
    if (request.headers.get('Upgrade') !== 'websocket') return new Response('Expected WebSocket', { status: 426 });
    const state = JSON.parse(request.headers.get('X-Ledge-Socket-State') ?? 'null') as SocketState | null;
    const pair = new WebSocketPair();
    const [client, server] = Object.values(pair);
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment(state ?? { userId: null, roles: ['any', 'guests'], subscriptions: {} });
    return new Response(null, { status: 101, webSocket: client });
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== 'string') return;
    let frame: { type?: string };
    try {
      frame = JSON.parse(message);
    } catch {
      ws.send(JSON.stringify({ type: 'error', data: { code: 1003, message: 'Message format is not valid.' } }));
      return;
    }
    if (frame.type === 'ping') ws.send(JSON.stringify({ type: 'pong' }));
  }

  async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code, 'closed');
    } catch {
      // already closed
    }
  }

  /** Sends `msg` to every socket subscribed to one of its channels and holding one of its roles. */
  async publish(msg: HubMessage): Promise<number> {
    let delivered = 0;
    for (const ws of this.ctx.getWebSockets()) {
      const state = ws.deserializeAttachment() as SocketState;
      if (!mayReceive(state.roles, msg.roles)) continue;
      const matching = Object.entries(state.subscriptions)
        .filter(([, channels]) => channels.some((ch) => msg.channels.includes(ch)))
        .map(([id]) => id);
      if (matching.length === 0) continue;
      ws.send(JSON.stringify({ type: 'event', data: { events: msg.events, channels: msg.channels, timestamp: msg.timestamp, payload: msg.payload, subscriptions: matching } }));
      delivered++;
    }
    return delivered;
  }

  async connections(): Promise<number> {
    return this.ctx.getWebSockets().length;
  }
}
