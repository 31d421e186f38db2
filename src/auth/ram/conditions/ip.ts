import { isIP } from 'node:net';
import type { ContextScalar } from '../types.js';
import { defineOperator, type ConditionOperator, type ParsedValue, type ValueMatcher } from './operator.js';

/** An address as a family plus a 128-bit (IPv6) or 32-bit (IPv4) integer. */
export interface IpAddressValue {
  family: 4 | 6;
  value: bigint;
}

/** A CIDR block; a bare address is a /32 (IPv4) or /128 (IPv6). Host bits are masked off. */
export interface IpRange {
  family: 4 | 6;
  network: bigint;
  mask: bigint;
  prefix: number;
}

const V4_PART = /^(?:0|[1-9]\d{0,2})$/;

function parseV4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) {
    return undefined;
  }
  let value = 0n;
  for (const part of parts) {
    if (!V4_PART.test(part)) {
      return undefined;
    }
    const n = Number(part);
    if (n > 255) {
      return undefined;
    }
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseHextets(text: string): number[] | undefined {
  if (text === '') {
    return [];
  }
  const out: number[] = [];
  const parts = text.split(':');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (i === parts.length - 1 && part.includes('.')) {
      const v4 = parseV4(part);
      if (v4 === undefined) {
        return undefined;
      }
      out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
      out.push(parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return out;
}

function parseV6(text: string): bigint | undefined {
  if (text.includes('%') || isIP(text) !== 6) {
    return undefined;
  }
  const doubleColon = text.indexOf('::');
  let groups: number[];
  if (doubleColon >= 0) {
    const head = parseHextets(text.slice(0, doubleColon));
    const tail = parseHextets(text.slice(doubleColon + 2));
    if (!head || !tail || head.length + tail.length > 7) {
      return undefined;
    }
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = parseHextets(text);
    if (!all || all.length !== 8) {
      return undefined;
    }
    groups = all;
  }
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** Parses a bare IPv4 or IPv6 address (no zone id, no CIDR). */
export function parseIpAddress(text: string): IpAddressValue | undefined {
  const trimmed = text.trim();
  if (trimmed.includes(':')) {
    const value = parseV6(trimmed);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseV4(trimmed);
  return value === undefined ? undefined : { family: 4, value };
}

/** Parses `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or an IPv6 CIDR. */
export function parseIpRange(text: string): IpRange | undefined {
  const slash = text.indexOf('/');
  const address = parseIpAddress(slash >= 0 ? text.slice(0, slash) : text);
  if (!address) {
    return undefined;
  }
  const width = address.family === 4 ? 32 : 128;
  let prefix = width;
  if (slash >= 0) {
    const bits = text.slice(slash + 1).trim();
    if (!/^(?:0|[1-9]\d{0,2})$/.test(bits) || Number(bits) > width) {
      return undefined;
    }
    prefix = Number(bits);
  }
  const all = (1n << BigInt(width)) - 1n;
  const mask = prefix === 0 ? 0n : (all >> BigInt(width - prefix)) << BigInt(width - prefix);
  return { family: address.family, network: address.value & mask, mask, prefix };
}

/** Whether an address lies in a range; an IPv4 address never matches an IPv6 range and vice versa. */
export function ipInRange(address: IpAddressValue, range: IpRange): boolean {
  return address.family === range.family && (address.value & range.mask) === range.network;
}

/**
 * What a transport layer should put in `acs:SourceIp`: an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, as a
 * dual-stack socket reports IPv4 peers) becomes the IPv4 address, since conditions never match across families.
 */
export function canonicalSourceIp(text: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(text.trim());
  return mapped ? mapped[1] : text.trim();
}

function parsePolicyRange(raw: string): ParsedValue<IpRange> {
  const range = parseIpRange(raw.trim());
  return range
    ? { ok: true, value: range }
    : { ok: false, message: `"${raw}" is not an IPv4/IPv6 address or CIDR block` };
}

function rangesMatcher(ranges: IpRange[]): ValueMatcher {
  return (r: ContextScalar) => {
    if (typeof r !== 'string') {
      return undefined;
    }
    const address = parseIpAddress(r);
    return address === undefined ? undefined : ranges.some((range) => ipInRange(address, range));
  };
}

/** IP family: `IpAddress` / `NotIpAddress` over IPv4 and IPv6 addresses and CIDR blocks. */
export const ipOperators: readonly ConditionOperator[] = [
  defineOperator('IpAddress', false, parsePolicyRange, rangesMatcher),
  defineOperator('NotIpAddress', true, parsePolicyRange, rangesMatcher),
];
