import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { Controller, Get } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { Field, ObjectType, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Test } from '@nestjs/testing';
import { Public } from './decorators/public.decorator.js';
import { bucketArn, parentBucketArn, RequiresAction } from './decorators/requires-action.decorator.js';
import { collectEndpointPermissions } from './permission-surface.js';

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
