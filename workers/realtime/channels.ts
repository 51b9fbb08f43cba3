/**
 * Which realtime channels an event is published on, and what a subscription's channels become
 * for a given user — Appwrite's `Realtime::fromPayload`, `convertChannels` and
 * `rebindAccountChannels` (src/Appwrite/Messaging/Adapter/Realtime.php), driven by Ledge's event
 * names. Generic over `LedgeEvent`: any domain that publishes an event named like Appwrite's gets
 * its channels here without touching realtime. The table is in the README (Realtime).
 */
export const ACTIONS = ['create', 'update', 'upsert', 'delete'] as const;

/** Channels whose leaf (or parent) is one of these get a `.<action>` sibling. */
const RESOURCE_LEAVES = new Set(['documents', 'rows', 'files', 'executions', 'functions', 'account', 'teams', 'memberships', 'presences']);

const isAction = (s: string | undefined): s is (typeof ACTIONS)[number] => (ACTIONS as readonly string[]).includes(s ?? '');

/** `create|update|upsert|delete` of an event name: its last segment, or the one before an attribute. */
function actionOf(parts: string[]): string | null {
  const n = parts.length;
  if (isAction(parts[n - 1])) return parts[n - 1];
  if (n >= 2 && isAction(parts[n - 2])) return parts[n - 2];
  return null;
}

function databaseChannels(databaseId: string, tableId: string, rowId: string): string[] {
  return [
    'documents',
    `databases.${databaseId}.collections.${tableId}.documents`,
    `databases.${databaseId}.collections.${tableId}.documents.${rowId}`,
    'rows',
    `databases.${databaseId}.tables.${tableId}.rows`,
    `databases.${databaseId}.tables.${tableId}.rows.${rowId}`,
    `tablesdb.${databaseId}.tables.${tableId}.rows`,
    `tablesdb.${databaseId}.tables.${tableId}.rows.${rowId}`,
  ];
}

function baseChannels(parts: string[]): string[] {
  const [resource, id, sub, subId] = parts;
  switch (resource) {
    case 'users':
      return ['account', `account.${id}`];
    case 'teams':
      return sub === 'memberships' ? ['memberships', `memberships.${subId}`] : ['teams', `teams.${id}`];
    case 'databases':
    case 'tablesdb': {
      // Schema events (columns, indexes, tables themselves) are console-only in Appwrite.
      const rows = (sub === 'tables' && parts[4] === 'rows') || (sub === 'collections' && parts[4] === 'documents');
      return rows && parts[5] ? databaseChannels(id, subId, parts[5]) : [];
    }
    case 'buckets':
      return sub === 'files' && subId ? ['files', `buckets.${id}.files`, `buckets.${id}.files.${subId}`] : [];
    case 'functions':
      return sub === 'executions' && subId ? ['executions', `executions.${subId}`, `functions.${id}`] : [];
    case 'presences':
      return id ? ['presences', `presences.${id}`] : [];
    default:
      return [];
  }
}

/**
 * The channels an event named `name` goes out on (the first of a LedgeEvent's names: the others
 * are aliases of the same change). Empty: not a realtime event.
 */
export function eventChannels(name: string): string[] {
  const parts = name.split('.');
  const channels = baseChannels(parts);
  let action = actionOf(parts);
  // Only top-level user events (`users.U.update.email`) reach `account.<action>`; sessions,
  // tokens and challenges would otherwise leak into an `account.create` subscription.
  if (parts[0] === 'users' && parts[2] !== action) action = null;
  if (!action || channels.length === 0) return [...new Set(channels)];
  const out = [...channels];
  for (const channel of channels) {
    const segments = channel.split('.');
    const n = segments.length;
    if (RESOURCE_LEAVES.has(segments[n - 1]) || (n >= 2 && RESOURCE_LEAVES.has(segments[n - 2]))) out.push(`${channel}.${action}`);
  }
  return [...new Set(out)];
}

/**
 * A subscription's channels for `userId` ('' for a guest): `account` also listens on
 * `account.<userId>`, `account.<action>` becomes `account.<userId>.<action>` (a guest keeps the
 * literal), and any other `account.*` is dropped, so nobody names someone else's account channel.
 */
export function convertChannels(channels: readonly string[], userId: string): string[] {
  const out: string[] = [];
  const add = (c: string) => {
    if (!out.includes(c)) out.push(c);
  };
  for (const channel of channels) {
    if (channel === 'account') {
      add(channel);
      if (userId) add(`account.${userId}`);
    } else if (channel.startsWith('account.')) {
      const rest = channel.slice('account.'.length);
      if (isAction(rest)) add(userId ? `account.${userId}.${rest}` : channel);
    } else {
      add(channel);
    }
  }
  return out;
}

/** A connection's account channels after it authenticates as `newUserId` (Appwrite's `rebindAccountChannels`). */
export function rebindAccountChannels(channels: readonly string[], oldUserId: string, newUserId: string): string[] {
  if (!newUserId || oldUserId === newUserId) return [...channels];
  const rebound = channels.map((channel) => {
    if (!channel.startsWith('account.')) return channel;
    if (!oldUserId) {
      const rest = channel.slice('account.'.length);
      return isAction(rest) ? `account.${newUserId}.${rest}` : channel;
    }
    if (channel === `account.${oldUserId}`) return `account.${newUserId}`;
    const prefix = `account.${oldUserId}.`;
    if (channel.startsWith(prefix) && isAction(channel.slice(prefix.length))) return `account.${newUserId}.${channel.slice(prefix.length)}`;
    return channel;
  });
  return [...new Set(rebound)];
}
