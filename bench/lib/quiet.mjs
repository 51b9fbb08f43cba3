// Asynchronous work a workload leaves behind (events on the queue, handled by the same Worker and
// writing to the same D1) must not run during the next measurement: wait until it has stopped.

/** Waits until the event consumer has written no receipt for `quietMs`, or `timeoutSeconds` pass. */
export async function waitForEventDrain(db, { timeoutSeconds, quietMs = 1200 }) {
  const count = async () => (await db.prepare('SELECT count(*) AS n FROM event_receipts').first()).n;
  const t0 = performance.now();
  let last = await count();
  let lastChange = performance.now();
  while (performance.now() - t0 < timeoutSeconds * 1000) {
    await new Promise((r) => setTimeout(r, 250));
    const n = await count();
    if (n !== last) {
      last = n;
      lastChange = performance.now();
    } else if (performance.now() - lastChange > quietMs) {
      return { receipts: n, seconds: (performance.now() - t0) / 1000, stable: true };
    }
  }
  return { receipts: last, seconds: (performance.now() - t0) / 1000, stable: false };
}
