import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { Controller, Get, Post } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { Field, ObjectType, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Test } from '@nestjs/testing';
import { Public } from './decorators/public.decorator.js';
import { bucketArn, parentBucketArn, RequiresAction } from './decorators/requires-action.decorator.js';
import {
  collectEndpointPermissions,
  PermissionSurfaceVerifier,
  UndeclaredPermissionError,
} from './permission-surface.js';

@Controller('v1/things')
class DeclaredController {
  @Get(':bucket')
  @RequiresAction('oss:GetBucketReplication', bucketArn('bucket'))
  get(): string {
    return 'ok';
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
    providers: [...providers, PermissionSurfaceVerifier],
  }).compile();
}

describe(PermissionSurfaceVerifier.name, () => {
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

describe(collectEndpointPermissions.name, () => {
  it('lists routes, queries and field resolvers with what they declare', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [DiscoveryModule],
      controllers: [DeclaredController],
      providers: [ThingResolver],
    }).compile();
    const list = collectEndpointPermissions(
      moduleRef.get(DiscoveryService),
      moduleRef.get(MetadataScanner),
      moduleRef.get(Reflector),
    );
    expect(list.map(({ route, permission }) => [route, permission])).toEqual([
      ['GET /v1/things/:bucket', 'oss:GetBucketReplication on bucket(bucket)'],
      ['GET /v1/things/open', 'public'],
      ['Query.thing', 'oss:GetBucketReplication on bucket(bucket)'],
      ['Thing.progress', 'oss:GetBucketReplicationProgress on bucket(parent.bucket)'],
      ['Thing.secret', 'UNDECLARED'],
    ]);
  });
});
