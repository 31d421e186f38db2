import { describe, expect, it } from 'vitest';
import { parseInstant } from './date.js';
import { CONDITION_OPERATORS, evaluateCondition, resolveOperator, type CompiledCondition } from './index.js';
import { canonicalSourceIp, ipInRange, parseIpAddress, parseIpRange } from './ip.js';
import { parseNumber } from './numeric.js';

function condition(operatorName: string, values: string[]): CompiledCondition {
  const resolved = resolveOperator(operatorName);
  if (typeof resolved === 'string') {
    throw new Error(resolved);
  }
  const compiled = resolved.operator.compile(values);
  if (!compiled.ok) {
    throw new Error(JSON.stringify(compiled.problems));
  }
  return {
    operatorName,
    key: 'k',
    keyLower: 'k',
    qualifier: resolved.qualifier,
    ifExists: resolved.ifExists,
    negated: resolved.operator.negated,
    matcher: compiled.matcher,
  };
}

describe('condition operators', () => {
  it('registers the 21 operators of the five families', () => {
    expect([...CONDITION_OPERATORS.keys()].sort()).toEqual(
      [
        'Bool',
        'DateEquals',
        'DateGreaterThan',
        'DateGreaterThanEquals',
        'DateLessThan',
        'DateLessThanEquals',
        'DateNotEquals',
        'IpAddress',
        'NotIpAddress',
        'NumericEquals',
        'NumericGreaterThan',
        'NumericGreaterThanEquals',
        'NumericLessThan',
        'NumericLessThanEquals',
        'NumericNotEquals',
        'StringEquals',
        'StringEqualsIgnoreCase',
        'StringLike',
        'StringNotEquals',
        'StringNotEqualsIgnoreCase',
        'StringNotLike',
      ].sort(),
    );
  });

  it('splits qualifier, operator and IfExists', () => {
    const resolved = resolveOperator('ForAllValues:NumericLessThanIfExists');

    expect(
      typeof resolved !== 'string' && [resolved.qualifier, resolved.operator.name, resolved.ifExists],
    ).toEqual(['ForAllValues', 'NumericLessThan', true]);
  });

  it('refuses IfExists alone and a doubled qualifier', () => {
    expect(typeof resolveOperator('IfExists')).toBe('string');
    expect(typeof resolveOperator('ForAnyValue:ForAllValues:StringEquals')).toBe('string');
  });

  it('treats a negated operator as NOT of the OR of its values', () => {
    const notEquals = condition('StringNotEquals', ['a', 'b']);

    expect(evaluateCondition(notEquals, 'a')).toBe(false);
    expect(evaluateCondition(notEquals, 'b')).toBe(false);
    expect(evaluateCondition(notEquals, 'c')).toBe(true);
  });

  it('applies the missing-key rules of each form', () => {
    expect(evaluateCondition(condition('StringEquals', ['a']), undefined)).toBe(false);
    expect(evaluateCondition(condition('StringNotEquals', ['a']), undefined)).toBe(true);
    expect(evaluateCondition(condition('StringEqualsIfExists', ['a']), undefined)).toBe(true);
    expect(evaluateCondition(condition('ForAllValues:StringEquals', ['a']), undefined)).toBe(true);
    expect(evaluateCondition(condition('ForAnyValue:StringEquals', ['a']), undefined)).toBe(false);
    expect(evaluateCondition(condition('ForAnyValue:StringNotEquals', ['a']), undefined)).toBe(false);
  });
});

describe(parseIpRange.name, () => {
  it('parses IPv4 and IPv6 CIDR blocks and masks host bits', () => {
    expect(parseIpRange('10.1.2.3/8')).toEqual({
      family: 4,
      network: 0x0a000000n,
      mask: 0xff000000n,
      prefix: 8,
    });
    expect(parseIpRange('2001:db8::1/32')?.network).toBe(0x20010db8n << 96n);
    expect(parseIpRange('::/0')).toEqual({ family: 6, network: 0n, mask: 0n, prefix: 0 });
  });

  it('refuses malformed addresses and prefixes', () => {
    for (const bad of [
      '10.0.0',
      '10.0.0.1.2',
      '01.0.0.1',
      '256.0.0.1',
      '10.0.0.0/33',
      '10.0.0.0/',
      '10.0.0.0/08',
      '1::2::3',
      'fe80::1%eth0',
      '::/129',
      '12345::',
      'g::1',
      '',
    ]) {
      expect(parseIpRange(bad), bad).toBeUndefined();
    }
  });

  it('expands :: and embedded IPv4 tails', () => {
    expect(parseIpAddress('::ffff:192.0.2.1')).toEqual({ family: 6, value: (0xffffn << 32n) | 0xc0000201n });
    expect(parseIpAddress('1::')).toEqual({ family: 6, value: 1n << 112n });
    expect(parseIpAddress('1:2:3:4:5:6:7:8')?.value).toBe(0x00010002000300040005000600070008n);
  });

  it('never matches across families', () => {
    expect(ipInRange(parseIpAddress('0.0.0.1')!, parseIpRange('::/0')!)).toBe(false);
    expect(ipInRange(parseIpAddress('::1')!, parseIpRange('0.0.0.0/0')!)).toBe(false);
  });
});

describe(canonicalSourceIp.name, () => {
  it('unmaps IPv4-mapped IPv6 addresses and leaves the rest alone', () => {
    expect(canonicalSourceIp('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(canonicalSourceIp('::FFFF:10.0.0.1')).toBe('10.0.0.1');
    expect(canonicalSourceIp('2001:db8::1')).toBe('2001:db8::1');
    expect(canonicalSourceIp(' 10.0.0.1 ')).toBe('10.0.0.1');
  });
});

describe(parseInstant.name, () => {
  it('normalises offsets to the same instant', () => {
    const utc = parseInstant('2019-08-12T09:00:00Z');

    expect(parseInstant('2019-08-12T17:00:00+08:00')).toBe(utc);
    expect(parseInstant('2019-08-12T04:00:00-0500')).toBe(utc);
    expect(parseInstant('1565600400')).toBe(utc);
  });

  it('keeps milliseconds and truncates finer digits', () => {
    expect(parseInstant('2026-01-01T00:00:00.123456Z')).toBe(Date.UTC(2026, 0, 1, 0, 0, 0, 123));
  });

  it('refuses ambiguous or impossible values', () => {
    for (const bad of [
      '2026-01-01T00:00:00',
      '2026-13-01',
      '2026-02-29',
      '2026-01-01T24:00:00Z',
      '2026-01-01T00:60:00Z',
      'yesterday',
      '',
    ]) {
      expect(parseInstant(bad), bad).toBeUndefined();
    }
  });

  it('handles years before 100 without mapping them to the 1900s', () => {
    expect(parseInstant('0050-01-01T00:00:00Z')).toBe(new Date('0050-01-01T00:00:00Z').getTime());
  });
});

describe(parseNumber.name, () => {
  it('parses decimals and refuses other spellings', () => {
    expect(parseNumber('-1.5e2')).toBe(-150);
    expect(parseNumber('.5')).toBe(0.5);
    for (const bad of ['', '0x10', 'Infinity', '1,000', 'NaN', '1e999']) {
      expect(parseNumber(bad), bad).toBeUndefined();
    }
  });
});
