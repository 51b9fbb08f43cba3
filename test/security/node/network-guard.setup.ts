import { clearNetworkLog, networkAttempts } from './network-guard';

/** Global setup (Node): starts with an empty log, and fails the run if any handler reached for the network. */
export default function setup() {
  clearNetworkLog();
  return () => {
    const attempts = networkAttempts();
    if (attempts.length) throw new Error(`A handler reached for the network during the tests:\n  ${attempts.join('\n  ')}`);
  };
}
