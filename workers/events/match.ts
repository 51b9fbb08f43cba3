/**
 * Event-name patterns with Appwrite's semantics (Event::generateEvents): names read
 * `<resource>.<id>[.<resource>.<id>…].<action>[.<attribute>]`, e.g.
 * `databases.D.tables.T.rows.R.update` or `users.U.update.email`. A pattern matches a name when,
 * segment by segment, each pattern segment is the name's segment or `*` (exactly one segment),
 * and the pattern covers the whole name, or stops right after an id (`users.*` hears every event
 * of every user, `databases.D.tables.*` every event below D's tables), or drops only the trailing
 * attribute (`users.*.update` hears `users.U.update.email`). A bare resource (`users`) matches nothing.
 */
export function eventMatches(pattern: string, name: string): boolean {
  const p = pattern.split('.');
  const n = name.split('.');
  const k = p.length;
  if (k === 0 || k > n.length || p.some((s) => s === '')) return false;
  for (let i = 0; i < k; i++) if (p[i] !== '*' && p[i] !== n[i]) return false;
  if (k === n.length) return true;
  // Resource/id pairs make ids sit at odd positions: a prefix ending on one has even length.
  if (k % 2 === 0) return true;
  // A name with an attribute has even length; dropping it leaves `…<action>`.
  return n.length % 2 === 0 && k === n.length - 1;
}

/** Does any pattern match any of the names an event is known by? */
export function matchesAny(patterns: readonly string[], names: readonly string[]): boolean {
  return patterns.some((p) => names.some((n) => eventMatches(p, n)));
}

const TABLES_TO_COLLECTIONS: Record<string, string> = { tables: 'collections', rows: 'documents', columns: 'attributes' };
const COLLECTIONS_TO_TABLES: Record<string, string> = { collections: 'tables', documents: 'rows', attributes: 'columns' };
const swapSegments = (name: string, map: Record<string, string>) => name.split('.').map((s, i) => (i % 2 === 0 && map[s]) || s).join('.');

/**
 * Every name Appwrite announces a concrete event under (`Event::generateEvents`), as realtime
 * `event` frames list them and apps test them (`events.includes('databases.*.tables.*.rows.*.create')`):
 * the name, its prefixes ending on an id, the action with its attribute dropped or kept, each
 * with every combination of ids replaced by `*`; database names also in the other family
 * (tables/rows ↔ collections/documents). The concrete name comes first.
 */
export function expandEventNames(name: string): string[] {
  const parts = name.split('.');
  const n = parts.length;
  if (n < 2) return [name];
  // Ids sit at odd positions; what follows the last id is the action and, maybe, an attribute.
  const pairs = Math.floor((n - 1) / 2);
  const hasAction = n > 2 * pairs;
  const attribute = n === 2 * pairs + 2 ? parts[n - 1] : null;
  const action = hasAction ? parts[2 * pairs] : null;
  const prefix = (k: number) => parts.slice(0, 2 * k);
  /** Segments of a pattern, and how many resource/id pairs open it. */
  const patterns: [string[], number][] = [];
  if (action) {
    if (attribute) patterns.push([[...prefix(pairs), action, attribute], pairs]);
    patterns.push([[...prefix(pairs), action], pairs]);
    if (pairs > 1) patterns.push([prefix(pairs), pairs]);
    if (attribute && pairs > 1) patterns.push([[...prefix(1), action, attribute], 1]);
  }
  for (let k = Math.max(pairs - (action ? 1 : 0), 1); k >= 1; k--) patterns.push([prefix(k), k]);
  const out: string[] = [];
  for (const [pattern, k] of patterns) {
    for (let mask = 0; mask < 1 << k; mask++) {
      out.push(pattern.map((s, i) => (i % 2 === 1 && i < 2 * k && mask & (1 << (i >> 1)) ? '*' : s)).join('.'));
    }
  }
  const mirrored = parts[0] === 'databases' && (parts[2] === 'tables' || parts[2] === 'collections');
  const all = mirrored
    ? out.flatMap((e) => [e, swapSegments(e, parts[2] === 'tables' ? TABLES_TO_COLLECTIONS : COLLECTIONS_TO_TABLES)])
    : out;
  return [...new Set(all)];
}
