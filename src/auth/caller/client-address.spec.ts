import { describe, expect, it } from 'vitest';
import { clientAddress, normaliseIp, TrustedProxies } from './client-address.js';

describe(TrustedProxies.name, () => {
  it('matches addresses and CIDR blocks of both families, including IPv4-mapped peers', () => {
    const trusted = new TrustedProxies(['10.0.0.0/8', '192.168.1.7', 'fd00::/8']);
    expect(trusted.has('10.20.30.40')).toBe(true);
    expect(trusted.has('::ffff:10.20.30.40')).toBe(true);
    expect(trusted.has('192.168.1.7')).toBe(true);
    expect(trusted.has('192.168.1.8')).toBe(false);
    expect(trusted.has('fd12::1')).toBe(true);
    expect(trusted.has('2001:db8::1')).toBe(false);
    expect(trusted.has('not-an-ip')).toBe(false);
  });

  it('refuses entries that are not addresses or CIDR blocks', () => {
    expect(() => new TrustedProxies(['10.0.0.0/33'])).toThrow(/prefix/);
    expect(() => new TrustedProxies(['proxy.internal'])).toThrow(/not an IP/);
  });
});

describe(clientAddress.name, () => {
  const proxies = new TrustedProxies(['10.0.0.1', '10.0.0.2']);

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(clientAddress('203.0.113.5', false, { 'x-forwarded-for': '198.51.100.1' }, proxies)).toEqual({
      sourceIp: '203.0.113.5',
      secure: false,
    });
  });

  it('takes the right-most untrusted hop when the peer is a trusted proxy', () => {
    const headers = { 'x-forwarded-for': '1.1.1.1, 198.51.100.7, 10.0.0.2' };
    expect(clientAddress('10.0.0.1', false, headers, proxies).sourceIp).toBe('198.51.100.7');
  });

  it('does not let a client forge its address by prepending hops', () => {
    const headers = { 'x-forwarded-for': ['10.0.0.2', '203.0.113.66'] };
    expect(clientAddress('10.0.0.1', false, headers, proxies).sourceIp).toBe('203.0.113.66');
  });

  it('falls back to the left-most hop when every hop is trusted, and to the peer without a header', () => {
    expect(clientAddress('10.0.0.1', false, { 'x-forwarded-for': '10.0.0.2' }, proxies).sourceIp).toBe(
      '10.0.0.2',
    );
    expect(clientAddress('10.0.0.1', false, {}, proxies).sourceIp).toBe('10.0.0.1');
  });

  it('yields no source IP when a forwarded hop is malformed (IP conditions fail closed)', () => {
    expect(
      clientAddress('10.0.0.1', false, { 'x-forwarded-for': 'garbage, 10.0.0.2' }, proxies).sourceIp,
    ).toBeUndefined();
  });

  it('honours X-Forwarded-Proto only from a trusted proxy', () => {
    expect(clientAddress('10.0.0.1', false, { 'x-forwarded-proto': 'https' }, proxies).secure).toBe(true);
    expect(clientAddress('203.0.113.5', false, { 'x-forwarded-proto': 'https' }, proxies).secure).toBe(false);
    expect(clientAddress('203.0.113.5', true, {}, proxies).secure).toBe(true);
  });
});

describe(normaliseIp.name, () => {
  it('unwraps IPv4-mapped IPv6, brackets and zones', () => {
    expect(normaliseIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normaliseIp('[2001:DB8::1]')).toBe('2001:db8::1');
    expect(normaliseIp('fe80::1%eth0')).toBe('fe80::1');
    expect(normaliseIp('10.0.0.256')).toBeUndefined();
  });
});
