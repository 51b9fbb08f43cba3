import ipaddr from 'ipaddr.js';

/**
 * Which IP addresses an outbound request may reach. Only ordinary public unicast passes: private
 * (RFC 1918, IPv6 ULA), loopback, link-local (which holds the cloud metadata endpoint
 * 169.254.169.254), carrier-grade NAT (Alibaba's metadata 100.100.100.200), unspecified,
 * multicast, broadcast, documentation, benchmarking and other reserved blocks are refused.
 * IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4, Teredo) are refused outright rather
 * than unwrapped, except IPv4-mapped, which is judged as the IPv4 address it is.
 */

/** Public addresses that are still a cloud's internal endpoint (Azure's WireServer). */
const METADATA_ADDRESSES = new Set(['168.63.129.16']);

/** IPv6 global unicast is 2000::/3; anything outside it is not a public destination. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

export type AddressKind = 'public' | 'private' | 'loopback' | 'link-local' | 'metadata' | 'reserved';

/** The address as ipaddr.js parses it, or null for anything that is not an IP literal. */
function parse(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  // ipaddr.isValid accepts the legacy IPv4 shorthands (0x7f.1); the WHATWG URL parser has already
  // normalised those in hostnames, so only strict forms are addresses here.
  if (ipaddr.IPv4.isValidFourPartDecimal(bare)) return ipaddr.IPv4.parse(bare);
  if (ipaddr.IPv6.isValid(bare)) return ipaddr.IPv6.parse(bare);
  return null;
}

export function isIpLiteral(host: string): boolean {
  return parse(host) !== null;
}

/** What kind of destination `address` is; null when it is not an IP address at all. */
export function classifyAddress(address: string): AddressKind | null {
  let ip = parse(address);
  if (!ip) return null;
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  if (METADATA_ADDRESSES.has(ip.toString())) return 'metadata';
  const range = ip.range();
  if (range === 'private' || range === 'uniqueLocal' || range === 'carrierGradeNat') return 'private';
  if (range === 'loopback') return 'loopback';
  if (range === 'linkLocal') return 'link-local';
  if (range !== 'unicast') return 'reserved';
  if (ip.kind() === 'ipv6' && !(ip as ipaddr.IPv6).match(GLOBAL_UNICAST_V6)) return 'reserved';
  return 'public';
}

export function isPublicAddress(address: string): boolean {
  return classifyAddress(address) === 'public';
}
