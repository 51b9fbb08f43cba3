/**
 * The two `node:zlib` functions storage uses (workerd implements them under nodejs_compat). Declared
 * here rather than by adding @types/node to the Worker's types, which would also declare Node's
 * globals (Buffer, process) that Worker code must not lean on.
 */
declare module 'node:zlib' {
  export function zstdCompressSync(data: Uint8Array): Uint8Array;
  export function zstdDecompressSync(data: Uint8Array): Uint8Array;
}
