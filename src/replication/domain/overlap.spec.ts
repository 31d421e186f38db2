import { describe, expect, it } from 'vitest';
import { overlappingPrefix } from './overlap.js';

describe(overlappingPrefix.name, () => {
  it.each([
    [['source/video'], ['source'], { wanted: 'source/video', existing: 'source' }],
    [['source'], ['source/video'], { wanted: 'source', existing: 'source/video' }],
    [['logs/'], ['a/', 'logs/'], { wanted: 'logs/', existing: 'logs/' }],
  ])('finds %j overlapping %j', (wanted, existing, pair) => {
    expect(overlappingPrefix(wanted, existing)).toEqual(pair);
  });

  it.each([
    [['logs/'], ['video/']],
    [['source-a'], ['source-b']],
    [[], ['logs/']],
    [['logs/'], []],
  ])('finds no overlap between %j and %j', (wanted, existing) => {
    expect(overlappingPrefix(wanted, existing)).toBeUndefined();
  });
});
