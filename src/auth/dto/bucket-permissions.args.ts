import { ArgsType, Field } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { IsBucketName } from '../../common/validation/is-bucket-name.js';

@ArgsType()
export class BucketPermissionsArgs {
  @ApiProperty({ description: 'The source bucket.', example: 'my-bucket' })
  @Field(() => String, { description: 'The source bucket.' })
  @IsBucketName()
  bucket!: string;
}
