/**
 * Realtime's abuse limits. Appwrite's own: 128 connections a minute per IP and 32 frames a minute
 * per connection (app/realtime.php). Ledge's: frame size and what one connection may subscribe to,
 * which bound the hub's storage and memory per socket (subscriptions live in SQLite, not in the
 * 16 KiB hibernation attachment). Pings matching `{"type":"ping"}` are answered by the runtime
 * (auto-response) and never count.
 */
export const LIMITS = {
  connectionsPerMinute: 128,
  messagesPerMinute: 32,
  /** One incoming frame (workerd itself refuses frames over 1 MiB). */
  frameBytes: 64 * 1024,
  subscriptionsPerSocket: 100,
  channelsPerSubscription: 100,
  channelLength: 256,
  /** Channels and query strings of all a connection's subscriptions, as JSON. */
  subscriptionBytesPerSocket: 64 * 1024,
} as const;
