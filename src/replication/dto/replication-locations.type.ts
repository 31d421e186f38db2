import { ApiProperty } from '@nestjs/swagger';
import { Field, ObjectType } from '@nestjs/graphql';
import { TransferTypeEnum } from './replication.enums.js';

@ObjectType({ description: 'A region a bucket may replicate to.' })
export class ReplicationLocation {
  @ApiProperty({ description: 'Destination region in OSS location form.', example: 'oss-cn-beijing' })
  @Field({ description: 'Destination region in OSS location form.' })
  location!: string;

  @ApiProperty({
    description: 'Transfer types allowed to that region.',
    enum: TransferTypeEnum,
    enumName: 'TransferType',
    isArray: true,
    example: [TransferTypeEnum.INTERNAL, TransferTypeEnum.OSS_ACC],
  })
  @Field(() => [TransferTypeEnum], { description: 'Transfer types allowed to that region.' })
  transferTypes!: TransferTypeEnum[];

  @ApiProperty({
    description: 'Whether replication time control can be enabled to that region.',
    example: true,
  })
  @Field({ description: 'Whether replication time control can be enabled to that region.' })
  rtcSupported!: boolean;
}

@ObjectType({ description: 'The regions a source bucket may replicate to (cross-region partners).' })
export class ReplicationLocations {
  @ApiProperty({ description: 'Allowed destination regions.', type: [ReplicationLocation] })
  @Field(() => [ReplicationLocation], { description: 'Allowed destination regions.' })
  locations!: ReplicationLocation[];
}
