/**
 * What travels between the Worker and the realtime hub shards (Durable Object RPC and the
 * upgrade's internal header), and what a hub keeps per socket.
 */

/** The internal header that carries a SocketIdentity from the Worker to the shard it picked. */
export const IDENTITY_HEADER = 'X-Ledge-Socket';

/** Roles every connection holds before it authenticates. */
export const GUEST_ROLES: readonly string[] = ['any', 'guests'];

/** A subscription the client asked for: channels (already converted for its user) and query strings. */
export interface SubscriptionRequest {
  channels: string[];
  queries: string[];
}

/** Who a new socket belongs to, decided by the Worker before it hands the upgrade to a shard. */
export interface SocketIdentity {
  socketId: string;
  /** The shard index the Worker picked (absent for hub objects that are not numbered shards). */
  shard?: number;
  userId: string | null;
  sessionId: string | null;
  /** When the session ends (Unix ms); the socket closes once it has. */
  expires: number | null;
  /** The user's roles; guests hold GUEST_ROLES. */
  roles: string[];
  /** Appwrite's Account model for `connected`, or null for a guest. */
  user: Record<string, unknown> | null;
  /** Legacy URL mode (`channels[]=…`): the channel names and the subscriptions built from them. */
  legacy: { channels: string[]; subscriptions: (SubscriptionRequest & { index: number })[] } | null;
  /** Ledge replay extension in URL mode: replay events since this time (Unix ms) after `connected`. */
  since: number | null;
}

/**
 * A socket's hibernation attachment. workerd refuses attachments over 16 KiB, so it holds only
 * fixed-size ids and counters; subscriptions and roles live in the hub's SQLite storage.
 */
export interface SocketAttachment {
  id: string;
  user: string | null;
  session: string | null;
  expires: number | null;
  /** Start (Unix s) of the current one-minute message window, and frames counted in it. */
  window: number;
  hits: number;
}

/** One event as a hub fans it out: channels from `eventChannels`, roles from the publisher. */
export interface HubMessage {
  id: string;
  events: string[];
  channels: string[];
  /** Roles that may read the payload; `any` opens it to everyone. */
  roles: string[];
  timestamp: string;
  payload: Record<string, unknown>;
  /**
   * Parts of the payload only some readers may see (a related row inside a row): the value at
   * `path` is removed for a receiver holding none of `roles`.
   */
  hidden?: { path: (string | number)[]; roles: string[] }[];
}

/**
 * A user's live roles after an identity change: new roles and the sessions still alive (sockets
 * of any other session close), or `ended` when the user is gone or blocked (all their sockets close).
 */
export type RoleUpdate = { userId: string; roles: string[]; sessions: Record<string, number> } | { userId: string; ended: string };

/** One publish RPC: role updates apply before the messages, so a change is never outrun by its own events. */
export interface HubBatch {
  updates?: RoleUpdate[];
  messages?: HubMessage[];
}
