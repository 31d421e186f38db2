import { type ValidationOptions, registerDecorator } from 'class-validator';

/**
 * OSS bucket naming rule: 3–63 characters, lower-case letters, digits and hyphens, starting and
 * ending with a letter or digit.
 */
export const BUCKET_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

export const BUCKET_NAME_MESSAGE =
  'must be an OSS bucket name: 3-63 lower-case letters, digits or hyphens, starting and ending with a letter or digit';

export function isBucketName(value: unknown): value is string {
  return typeof value === 'string' && BUCKET_NAME_PATTERN.test(value);
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
