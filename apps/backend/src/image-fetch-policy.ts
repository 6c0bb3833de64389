import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import { HttpError, badRequest } from '@vista3d/service-kit';

/**
 * Where the backend may fetch images from, modelled on the NIM: by default only the configured image
 * server; names resolved before connecting, and loopback/private/link-local addresses refused unless
 * the operator named that host (or allowed private addresses outright).
 */
export interface FetchPolicy {
  /** `host`, `host:port` or `host:*` entries (lower case); empty = see imageServer. */
  allowedHosts: string[];
  /** The platform's own image server URL: always allowed, and the only host when allowedHosts is empty. */
  imageServer?: string;
  /** Let any allowed host resolve to loopback/private/link-local addresses. */
  allowPrivateAddresses: boolean;
  /** Follow redirects (each hop re-checked); off by default like the NIM. */
  followRedirects: boolean;
  /** Refuse plain http image URLs. */
  httpsOnly: boolean;
  timeoutMs: number;
}

/**
 * A checked image URL. `trusted`: the operator named this host (or allowed private addresses), so
 * its name may resolve to a non-public address and failure details may be shown.
 */
export interface CheckedUrl {
  url: URL;
  trusted: boolean;
}

const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');
}

/** False for loopback, private, link-local, CGNAT, multicast and reserved addresses (v4, v6, v4-mapped). */
export function isPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isPublicAddress(mapped[1]);
  const family = isIP(address);
  if (family === 0) return false;
  return !NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const defaultPort = (url: URL): string => url.port || (url.protocol === 'https:' ? '443' : '80');
const bareHost = (url: URL): string => url.hostname.toLowerCase().replace(/^\[|\]$/g, '');

function matchesEntry(url: URL, entry: string): boolean {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+|\*))?$/.exec(entry.trim().toLowerCase());
  if (!m) return false;
  const host = m[1].replace(/^\[|\]$/g, '');
  if (host !== bareHost(url)) return false;
  if (m[2] === '*') return true;
  return (m[2] ?? (url.protocol === 'https:' ? '443' : '80')) === defaultPort(url);
}

function isImageServer(url: URL, imageServer: string | undefined): boolean {
  if (!imageServer) return false;
  try {
    const s = new URL(imageServer);
    return bareHost(s) === bareHost(url) && defaultPort(s) === defaultPort(url);
  } catch {
    return false;
  }
}

/** Scheme, host/port allow-list and literal-address rules; throws a 4xx HttpError saying what is wrong. */
export function checkImageUrl(raw: string, policy: FetchPolicy): CheckedUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badRequest('BAD_IMAGE_URL', `"image" must be an absolute http(s) URL, got ${JSON.stringify(raw.slice(0, 200))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw badRequest('BAD_IMAGE_URL', `image URL scheme ${url.protocol} is not allowed; use http or https`);
  }
  if (policy.httpsOnly && url.protocol !== 'https:') {
    throw badRequest('BAD_IMAGE_URL', 'image URLs must use https (IMAGE_FETCH_HTTPS_ONLY=true)');
  }
  if (url.username || url.password) throw badRequest('BAD_IMAGE_URL', 'image URLs must not carry credentials');
  const own = isImageServer(url, policy.imageServer);
  const listed = policy.allowedHosts.some((e) => matchesEntry(url, e));
  const host = bareHost(url);
  if (!own && !listed && (policy.allowedHosts.length > 0 || policy.imageServer)) {
    const allowed = [...(policy.imageServer ? [new URL(policy.imageServer).host] : []), ...policy.allowedHosts];
    throw new HttpError(403, 'IMAGE_HOST_NOT_ALLOWED', `image host "${url.hostname}" (port ${defaultPort(url)}) is not allowed (allowed: ${allowed.join(', ')}; see ALLOWED_IMAGE_HOSTS)`);
  }
  const trusted = own || listed || policy.allowPrivateAddresses;
  // Literal addresses (decimal/hex forms are normalised to dotted quads by the URL parser) never
  // go through DNS, so they are judged here; names are judged at connect time by `guardedLookup`.
  if (isIP(host) && !trusted && !isPublicAddress(host)) throw addressNotAllowed(url);
  return { url, trusted };
}

export function addressNotAllowed(url: URL): HttpError {
  return new HttpError(403, 'IMAGE_ADDRESS_NOT_ALLOWED', `image host "${url.hostname}" is a loopback, private or link-local address; name it in ALLOWED_IMAGE_HOSTS to allow it`);
}

export class NonPublicAddressError extends Error {
  readonly code = 'NON_PUBLIC_ADDRESS';
}

/**
 * DNS lookup for the connection itself, so the address checked is the address used (no rebinding
 * between a check and the connect).
 */
export function guardedLookup(privateOk: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const usable = privateOk ? addresses : addresses.filter((a) => isPublicAddress(a.address));
      if (usable.length === 0) return callback(new NonPublicAddressError(`${hostname} resolves only to non-public addresses`), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
      return callback(null, usable[0].address, usable[0].family);
    });
  };
}
