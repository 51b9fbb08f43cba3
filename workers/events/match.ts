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
