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

  it('answers JSON-shaped input at once, and Nest’s pipe stage the instance it validated', () => {
    const pipe = new GatewayValidationPipe();
    const valid = routeParams({ bucket: 'demo-source', ruleId: 'r1' });
    const result = pipe.transform(valid, params(BucketAndRule));
    expect(result).toBeInstanceOf(BucketAndRule);
    // The pipe stage after the guard gets the same instance, without validating again.
    expect(pipe.transform(valid, params(BucketAndRule))).toBe(result);
    // Remembered out of sight: the input's keys are unchanged.
    expect(Object.keys(valid)).toEqual(['bucket', 'ruleId']);
    expect(() => pipe.transform({ bucket: 'Bad_Bucket', ruleId: 'r1' }, params(BucketAndRule))).toThrow(
      DomainError,
    );
    const call = { requestId: 'r' };
    expect(pipe.transform(call, { type: 'custom', metatype: Object })).toBe(call);
  });

  it('hands input that is not JSON-shaped to Nest’s pipe, with the same answers', async () => {
    const pipe = new GatewayValidationPipe();
    const withDate = { bucket: 'demo-source', ruleId: new Date(0) };
    const answer = pipe.transform(withDate, params(BucketAndRule));
    expect(answer).toBeInstanceOf(Promise);
    await expect(answer).rejects.toMatchObject({
      details: { errors: [{ field: 'ruleId', message: 'ruleId must be a string' }] },
    });
    const missing = pipe.transform(undefined, params(BucketAndRule));
    expect(missing).toBeInstanceOf(Promise);
    await expect(missing).rejects.toBeInstanceOf(DomainError);
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
