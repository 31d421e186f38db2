import 'reflect-metadata';
import type { ArgumentMetadata } from '@nestjs/common';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsOptional,
  IsString,
  Length,
  ValidateNested,
} from 'class-validator';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors/domain-error.js';
import { IsBucketName } from './is-bucket-name.js';
import { GatewayValidationPipe } from './validation.pipe.js';

class BucketAndRule {
  @IsBucketName()
  bucket!: string;

  @IsString()
  @Length(1, 8)
  ruleId!: string;
}

class WithOptional {
  @IsOptional()
  @IsString()
  name?: string;
}

class Tag {
  @IsString()
  @Length(1, 3)
  name!: string;
}

class Tagged {
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(4)
  @ArrayUnique()
  @IsString({ each: true })
  @Length(1, 3, { each: true })
  labels?: string[];

  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => Tag)
  tags?: Tag[];
}

/** How find-my-way builds route params: an instance of an empty null-prototype class. */
function routeParams(values: Record<string, string>): object {
  const NullObject = function NullObject() {} as unknown as new () => Record<string, string>;
  NullObject.prototype = Object.create(null) as Record<string, string>;
  return Object.assign(new NullObject(), values);
}

async function outcome(pipe: GatewayValidationPipe, value: unknown, metadata: ArgumentMetadata) {
  try {
    return { ok: (await pipe.transform(value, metadata)) as object };
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return { error: (error as DomainError).details };
  }
}

const params = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'param', metatype });

describe(GatewayValidationPipe.name, () => {
  it('answers an instance of the class for valid string params, plain or null-prototype', async () => {
    const pipe = new GatewayValidationPipe();
    for (const value of [
      { bucket: 'demo-source', ruleId: 'r1' },
      routeParams({ bucket: 'demo-source', ruleId: 'r1' }),
    ]) {
      const result = await pipe.transform(value, params(BucketAndRule));
      expect(result).toBeInstanceOf(BucketAndRule);
      expect({ ...(result as BucketAndRule) }).toEqual({ bucket: 'demo-source', ruleId: 'r1' });
    }
  });

  it('answers settled input and custom parameters without a promise; settles() only checks', async () => {
    const pipe = new GatewayValidationPipe();
    const valid = routeParams({ bucket: 'demo-source', ruleId: 'r1' });
    expect(pipe.settles(valid, params(BucketAndRule))).toBe(true);
    expect(pipe.settles({ bucket: 'Bad_Bucket', ruleId: 'r1' }, params(BucketAndRule))).toBe(false);
    expect(Object.getOwnPropertySymbols(valid)).toEqual([]);

    const result = pipe.transform(valid, params(BucketAndRule));
    expect(result).toBeInstanceOf(BucketAndRule);
    const call = { requestId: 'r' };
    expect(pipe.transform(call, { type: 'custom', metatype: Object })).toBe(call);
    // What the full pipe cannot settle at once still answers through it (and rejects there).
    const invalid = pipe.transform({ bucket: 'Bad_Bucket', ruleId: 'r1' }, params(BucketAndRule));
    expect(invalid).toBeInstanceOf(Promise);
    await expect(invalid).rejects.toBeInstanceOf(DomainError);
  });

  it('rejects invalid input with the same problems whether or not the class was planned yet', async () => {
    const cases: unknown[] = [
      { bucket: 'Bad_Bucket', ruleId: 'r1' },
      { bucket: 'demo-source', ruleId: 'far-too-long-id' },
      { bucket: 'demo-source' },
      routeParams({ bucket: 'demo-source', ruleId: 'r1', extra: 'x' }),
      { bucket: 'demo-source', ruleId: 7 },
      {},
    ];
    for (const value of cases) {
      // A fresh pipe has not planned the class yet; a warmed-up one answers from its plan.
      const fresh = await outcome(
        new GatewayValidationPipe(),
        structuredCloneLoose(value),
        params(BucketAndRule),
      );
      const warm = new GatewayValidationPipe();
      await warm.transform({ bucket: 'demo-source', ruleId: 'r1' }, params(BucketAndRule));
      const again = await outcome(warm, structuredCloneLoose(value), params(BucketAndRule));
      expect(again).toEqual(fresh);
      expect(again.error).toBeDefined();
    }
  });

  it('names a non-whitelisted route param', async () => {
    const pipe = new GatewayValidationPipe();
    await pipe.transform({ bucket: 'demo-source', ruleId: 'r1' }, params(BucketAndRule));
    const result = await outcome(
      pipe,
      routeParams({ bucket: 'demo-source', ruleId: 'r1', extra: 'x' }),
      params(BucketAndRule),
    );
    expect(result.error).toEqual({
      errors: [{ field: 'extra', message: 'property extra should not exist' }],
    });
  });

  it('reports one message per field, the first rule written that the value breaks', async () => {
    const pipe = new GatewayValidationPipe();
    const body = (value: unknown) => outcome(pipe, value, { type: 'body', metatype: Tagged });
    expect((await body({ labels: 'a' })).error).toEqual({
      errors: [{ field: 'labels', message: 'labels must be an array' }],
    });
    expect((await body({ labels: ['a', 'b', 'c', 'd', 'a'] })).error).toEqual({
      errors: [{ field: 'labels', message: 'labels must contain no more than 4 elements' }],
    });
  });

  it('names array elements by index, for rules on each element and for nested objects', async () => {
    const pipe = new GatewayValidationPipe();
    const result = await outcome(
      pipe,
      { labels: ['a', 'a', 7, ''], tags: [{ name: 'ok' }, { name: '' }] },
      { type: 'body', metatype: Tagged },
    );
    expect(result.error).toEqual({
      errors: [
        { field: 'labels', message: "All labels's elements must be unique" },
        { field: 'labels[2]', message: 'labels[2] must be a string' },
        {
          field: 'labels[3]',
          // About the element, not the array (whose 4 elements are more than 3 characters' worth).
          message: 'labels[3] must be longer than or equal to 1 characters',
        },
        {
          field: 'tags[1].name',
          message: 'name must be longer than or equal to 1 characters',
        },
      ],
    });
  });

  it('still applies optional rules through the full pipe', async () => {
    const pipe = new GatewayValidationPipe();
    const empty = await pipe.transform({}, { type: 'query', metatype: WithOptional });
    expect(empty).toBeInstanceOf(WithOptional);
    const result = await outcome(pipe, { name: 5 }, { type: 'query', metatype: WithOptional });
    expect(result.error).toEqual({ errors: [{ field: 'name', message: 'name must be a string' }] });
  });
});

/** A copy that keeps a null prototype chain (the pipe may strip keys from what it is given). */
function structuredCloneLoose(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  return Object.assign(Object.create(Object.getPrototypeOf(value) as object | null) as object, value);
}
