/**
 * The string formats Appwrite checks for email, ip, url and datetime columns — used for column
 * defaults here and for row values by the row store, so both agree.
 */
import { parseDate } from '../lib/time';

const EMAIL = /^[^\s@"(),:;<>[\\\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export function isValidEmail(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIpv6(value: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(value) || value.length > 45) return false;
  let text = value;
  const groupsWanted = 8;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    if (!IPV4.test(text.slice(lastColon + 1))) return false;
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const parts = halves.flatMap(groups);
  if (!parts.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  if (halves.length === 2) return parts.length < groupsWanted;
  return parts.length === groupsWanted;
}

export function isValidIp(value: string): boolean {
  return IPV4.test(value) || isIpv6(value);
}

/** Any absolute URL with a scheme and a host, as PHP's FILTER_VALIDATE_URL accepts. */
export function isValidUrl(value: string): boolean {
  if (value.length > 2000 || /\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return /^[a-z][a-z0-9+.-]*:$/i.test(url.protocol) && url.host !== '';
  } catch {
    return false;
  }
}

export function isValidDatetime(value: string): boolean {
  return parseDate(value) !== null;
}
