import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { Controller, Get, Post } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Field, ObjectType, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Test } from '@nestjs/testing';
import { Public } from '../../auth/decorators/public.decorator.js';
import {
  bucketArn,
  parentBucketArn,
  RequiresAction,
} from '../../auth/decorators/requires-action.decorator.js';
import { IsBucketName } from '../../common/validation/is-bucket-name.js';
import { EndpointRegistry, UndeclaredPermissionError } from './endpoint-registry.js';
import { Param } from './input.decorators.js';

class BucketParams {
  @IsBucketName()
  bucket!: string;
}

@Controller('v1/things')
class DeclaredController {
  @Get(':bucket')
  @RequiresAction('oss:GetBucketReplication', bucketArn('bucket'))
  get(@Param() params: BucketParams): string {
    return params.bucket;
  }

  @Get('open')
  @Public()
  open(): string {
    return 'ok';
  }

  helper(): string {
    return 'not a route';
  }
}

@Controller('v1/forgotten')
class ForgottenController {
  @Post()
  create(): string {
    return 'oops';
  }
}

@ObjectType()
class Thing {
  @Field()
  bucket!: string;
}

@Resolver(() => Thing)
class ThingResolver {
  @Query(() => Thing)
  @RequiresAction('oss:GetBucketReplication', bucketArn('bucket'))
  thing(): Thing {
    return { bucket: 'b' };
  }

  @ResolveField(() => String)
  @RequiresAction('oss:GetBucketReplicationProgress', parentBucketArn())
  progress(): string {
    return 'p';
  }

  @ResolveField(() => String)
  secret(): string {
    return 's';
  }
}

async function moduleWith(controllers: Array<new () => unknown>, providers: Array<new () => unknown>) {
  return Test.createTestingModule({
    imports: [DiscoveryModule],
    controllers,
    providers: [...providers, EndpointRegistry],
  }).compile();
}

describe(EndpointRegistry.name, () => {
  it('starts when every route and resolver declares a permission', async () => {
    const moduleRef = await moduleWith([DeclaredController], []);
    await expect(moduleRef.init()).resolves.toBeDefined();
    await moduleRef.close();
  });

  it('refuses to start when a controller route declares nothing', async () => {
    const moduleRef = await moduleWith([DeclaredController, ForgottenController], []);
    const error = await moduleRef.init().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UndeclaredPermissionError);
    expect((error as Error).message).toContain('POST /v1/forgotten (ForgottenController.create)');
  });

  it('refuses to start when a field resolver declares nothing', async () => {
    const moduleRef = await moduleWith([], [ThingResolver]);
    await expect(moduleRef.init()).rejects.toThrow(/Thing\.secret \(ThingResolver\.secret\)/);
  });
});

describe(`${EndpointRegistry.name}: what the pipeline knows of each handler`, () => {
  it('reads access and inputs once, and denies a handler it does not know', async () => {
    const moduleRef = await moduleWith([DeclaredController], []);
    await moduleRef.init();
    const registry = moduleRef.get(EndpointRegistry);
    expect(registry.endpointOf(DeclaredController, DeclaredController.prototype.get)).toEqual({
      name: 'DeclaredController.get',
      access: {
        kind: 'requires',
        requirement: { action: 'oss:GetBucketReplication', resource: { kind: 'bucket', param: 'bucket' } },
      },
      inputs: [{ source: 'params', metatype: BucketParams }],
    });
    expect(registry.endpointOf(DeclaredController, DeclaredController.prototype.open).access).toEqual({
      kind: 'public',
    });
    expect(registry.endpointOf(DeclaredController, DeclaredController.prototype.helper)).toEqual({
      name: 'DeclaredController.helper',
      access: { kind: 'undeclared' },
      inputs: [],
    });
    await moduleRef.close();
  });
});
