import { BlockList, isIP } from 'node:net';

/** `::ffff:10.0.0.1` → `10.0.0.1`; trims; strips `[...]` around IPv6 and a `%zone`. */
export function normaliseIp(raw: string): string | undefined {
  let text = raw.trim();
  if (text.startsWith('[') && text.includes(']')) {
    text = text.slice(1, text.indexOf(']'));
  }
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(text);
  if (mapped) {
    text = mapped[1]!;
  }
  const zone = text.indexOf('%');
  if (zone > 0 && text.includes(':')) {
    text = text.slice(0, zone);
  }
  return isIP(text) === 0 ? undefined : text.toLowerCase();
}

/**
 * The proxies whose `X-Forwarded-For` / `X-Forwarded-Proto` the gateway believes (IPs or CIDRs,
 * IPv4 and IPv6, from GATEWAY_TRUSTED_PROXIES).
 */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(entries: readonly string[]) {
    let size = 0;
    for (const entry of entries) {
      const trimmed = entry.trim();
      if (trimmed === '') {
        continue;
      }
      const [address, prefix, ...rest] = trimmed.split('/');
      const ip = address === undefined ? undefined : normaliseIp(address);
      if (!ip || rest.length > 0) {
        throw new Error(`trusted proxy "${trimmed}" is not an IP address or CIDR block`);
      }
      const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) {
        this.list.addAddress(ip, family);
      } else {
        const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
        if (!(bits >= 0 && bits <= (family === 'ipv6' ? 128 : 32))) {
          throw new Error(`trusted proxy "${trimmed}" has an invalid prefix length`);
        }
        this.list.addSubnet(ip, bits, family);
      }
      size += 1;
    }
    this.size = size;
  }

  has(ip: string): boolean {
    if (this.size === 0) {
      return false;
    }
    const normalised = normaliseIp(ip);
    return normalised !== undefined && this.list.check(normalised, isIP(normalised) === 6 ? 'ipv6' : 'ipv4');
  }
}

function headerValues(value: string | string[] | undefined): string[] {
  if (value === undefined) {
    return [];
  }
  return (Array.isArray(value) ? value : [value])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

export interface ClientAddress {
  /** The address used as `acs:SourceIp`; undefined when a forwarded chain is malformed (fail closed). */
  sourceIp: string | undefined;
  /** Whether the client reached the first hop over TLS (`acs:SecureTransport`). */
  secure: boolean;
}

/**
 * The client address of a request. `X-Forwarded-For` is honoured only when the socket peer is a
 * trusted proxy; the chain is then walked from the right and the first address that is not a trusted
 * proxy is the client (a client cannot forge the hops a trusted proxy appended). A malformed hop
 * yields no source IP, so IP conditions fail closed. `X-Forwarded-Proto` is honoured the same way.
 */
export function clientAddress(
  peer: string | undefined,
  socketEncrypted: boolean,
  headers: Record<string, string | string[] | undefined>,
  trusted: TrustedProxies,
): ClientAddress {
  const peerIp = peer === undefined ? undefined : normaliseIp(peer);
  if (peerIp === undefined || !trusted.has(peerIp)) {
    return { sourceIp: peerIp, secure: socketEncrypted };
  }
  const hops = headerValues(headers['x-forwarded-for']);
  let sourceIp: string | undefined = peerIp;
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    const hop = normaliseIp(hops[i]);
    if (hop === undefined) {
      sourceIp = undefined;
      break;
    }
    sourceIp = hop;
    if (!trusted.has(hop)) {
      break;
    }
  }
  const protos = headerValues(headers['x-forwarded-proto']);
  const proto = protos.length > 0 ? protos[protos.length - 1].toLowerCase() : undefined;
  return { sourceIp, secure: proto === undefined ? socketEncrypted : proto === 'https' };
}
