import { type ValidationOptions, registerDecorator } from 'class-validator';
import { isValidBucketName } from '../../oss/limits.js';

export const BUCKET_NAME_MESSAGE =
  'must be an OSS bucket name: 3-63 lower-case letters, digits or hyphens, starting and ending with a letter or digit';

export function isBucketName(value: unknown): value is string {
  return typeof value === 'string' && isValidBucketName(value);
}

/** class-validator rule for a property holding an OSS bucket name (REST params/queries and GraphQL args alike). */
export function IsBucketName(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isBucketName',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `$property ${BUCKET_NAME_MESSAGE}`, ...options },
      validator: { validate: (value: unknown) => isBucketName(value) },
    });
  };
}
