/**
 * Outbound requests to URLs that callers name: the SSRF guard (`checkUrl`, `guardedFetch`), the
 * address rules behind it and the resolvers it uses. Below every domain; no Hono, no Appwrite errors
 * (callers map `OutboundError.reason` onto their own error types).
 */
export { classifyAddress, isIpLiteral, isPublicAddress, type AddressKind } from './addresses';
export { DEFAULT_DOH_ENDPOINT, ResolveError, dohResolver, staticResolver, type DohOptions, type Resolver } from './resolve';
export {
  OutboundError, checkUrl, checkUrlSyntax, guardedFetch, type GuardedFetchOptions, type OutboundPolicy, type OutboundResponse,
  type RefusalReason,
} from './outbound';
