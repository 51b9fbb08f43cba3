// What node-appwrite takes from undici, as the Workers runtime provides it (see build-function-sdk.mjs).
export const fetch = (...args) => globalThis.fetch(...args);
export const FormData = globalThis.FormData;
export const File = globalThis.File;
/** Connection pools (self-signed certificates) do not exist here; the runtime's fetch is used as is. */
export class Agent {
  destroy() {}
}
