import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

/**
 * A TCP relay between the client and Ledge that a test can break the way networks and servers do:
 * `serverClose()` sends the client a WebSocket close frame (1001, going away — what a restarting
 * server sends) and ends the connection; `networkError()` resets every connection (ECONNRESET);
 * `stall()` stops relaying without closing (a dead link only heartbeats notice); while `down`,
 * new connections are reset at once.
 */
export async function startProxy(target: URL) {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let down = false;
  const server = createServer((clientSocket) => {
    if (down) return void clientSocket.resetAndDestroy();
    const upstream = connect({ host: target.hostname, port: Number(target.port) });
    const pair = { client: clientSocket, upstream };
    pairs.add(pair);
    clientSocket.pipe(upstream);
    upstream.pipe(clientSocket);
    const forget = () => {
      pairs.delete(pair);
      clientSocket.destroy();
      upstream.destroy();
    };
    clientSocket.on('error', forget).on('close', forget);
    upstream.on('error', forget).on('close', forget);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}${target.pathname}`,
    set down(value: boolean) {
      down = value;
    },
    get connections() {
      return pairs.size;
    },
    serverClose() {
      for (const { client, upstream } of pairs) {
        upstream.unpipe(client);
        upstream.destroy();
        client.end(Buffer.from([0x88, 0x02, 0x03, 0xe9]));
      }
    },
    networkError() {
      for (const { client, upstream } of pairs) {
        upstream.destroy();
        client.resetAndDestroy();
      }
    },
    stall() {
      for (const { client, upstream } of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
      }
    },
    close: () => {
      for (const { client, upstream } of pairs) client.destroy(), upstream.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
