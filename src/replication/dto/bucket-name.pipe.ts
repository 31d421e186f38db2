import { Injectable, type PipeTransform } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error.js';
import { BUCKET_NAME_MESSAGE, isBucketName } from '../../common/validation/is-bucket-name.js';

/**
 * Validates a scalar GraphQL `bucket` argument (the global ValidationPipe skips primitives) with the
 * same rule and message as `@IsBucketName()` on the REST parameter classes.
 */
@Injectable()
export class BucketNamePipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (!isBucketName(value)) {
      throw DomainError.validation([{ field: 'bucket', message: `bucket ${BUCKET_NAME_MESSAGE}` }]);
    }
    return value;
  }
}
