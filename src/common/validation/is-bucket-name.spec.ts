import { describe, expect, it } from 'vitest';
import { validateSync } from 'class-validator';
import { IsBucketName, isBucketName } from './is-bucket-name.js';

class Probe {
  @IsBucketName()
  bucket!: string;
}

describe(isBucketName.name, () => {
  it('accepts 3-63 lower-case letters, digits and inner hyphens', () => {
    for (const name of ['abc', 'my-bucket-01', 'a'.repeat(63), '0-0']) {
      expect(isBucketName(name)).toBe(true);
    }
  });

  it('refuses upper case, underscores, edge hyphens and bad lengths', () => {
    for (const name of [
      'ab',
      'a'.repeat(64),
      'My-bucket',
      'my_bucket',
      '-bucket',
      'bucket-',
      'my.bucket',
      42,
    ]) {
      expect(isBucketName(name)).toBe(false);
    }
  });

  it('is usable as a class-validator rule naming the property', () => {
    const probe = Object.assign(new Probe(), { bucket: 'Bad' });
    const [error] = validateSync(probe);
    expect(Object.values(error.constraints!)[0]).toMatch(/^bucket must be an OSS bucket name/);
  });
});
