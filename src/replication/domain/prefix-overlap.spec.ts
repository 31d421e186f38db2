import { describe, expect, it } from 'vitest';
import { findOverlappingPrefixes, findOverlapsWithRules, prefixesOverlap } from './prefix-overlap.js';

describe('prefix overlap', () => {
  it('finds source and source/video (the OSS 0031-00000019 example) within one rule', () => {
    expect(findOverlappingPrefixes(['source', 'video', 'source/video'])).toEqual([
      { index: 0, prefix: 'source', otherIndex: 2, otherPrefix: 'source/video' },
    ]);
  });

  it('finds nothing for the documented valid rule, for siblings and for one prefix', () => {
    expect(findOverlappingPrefixes(['source1', 'video'])).toEqual([]);
    expect(findOverlappingPrefixes(['logs/a', 'logs/b'])).toEqual([]);
    expect(findOverlappingPrefixes(['logs/'])).toEqual([]);
    expect(findOverlappingPrefixes([])).toEqual([]);
  });

  it('treats whitespace as significant and identical entries as duplicates, not overlaps', () => {
    expect(prefixesOverlap('logs/ ', 'logs/')).toBe(true);
    expect(prefixesOverlap('logs/', 'logs/')).toBe(false);
    expect(findOverlappingPrefixes(['a/', 'a/'])).toEqual([]);
  });

  it('reports every overlapping pair once, in order', () => {
    expect(findOverlappingPrefixes(['a', 'ab', 'abc']).map((o) => [o.index, o.otherIndex])).toEqual([
      [0, 1],
      [0, 2],
      [1, 2],
    ]);
  });

  it('finds where a new rule overlaps existing rules, a rule without prefixes covering the whole bucket', () => {
    const rules = [
      { id: 'logs', prefixes: ['logs/'] },
      { id: 'video', prefixes: ['video/hd/'] },
      { id: 'all', prefixes: [] },
    ];
    expect(findOverlapsWithRules(['logs/', 'video/', 'img/'], rules)).toEqual([
      { index: 0, prefix: 'logs/', ruleId: 'logs', otherPrefix: 'logs/' },
      { index: 1, prefix: 'video/', ruleId: 'video', otherPrefix: 'video/hd/' },
      { index: 0, prefix: 'logs/', ruleId: 'all', otherPrefix: '' },
      { index: 1, prefix: 'video/', ruleId: 'all', otherPrefix: '' },
      { index: 2, prefix: 'img/', ruleId: 'all', otherPrefix: '' },
    ]);
    expect(findOverlapsWithRules([], [{ id: 'logs', prefixes: ['logs/'] }])).toEqual([
      { index: -1, prefix: '', ruleId: 'logs', otherPrefix: 'logs/' },
    ]);
    expect(findOverlapsWithRules(['img/'], [{ id: 'logs', prefixes: ['logs/'] }])).toEqual([]);
  });
});
