import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import type { EndpointInput } from '../endpoint.js';
import type { InputValidator } from '../stages/validate.stage.js';

/** What Nest's pipe stage is told about a parameter from each source (GraphQL arguments count as a body). */
const PIPE_TYPES = { params: 'param', query: 'query', body: 'body', args: 'body' } as const;

/**
 * The validate stage over the global validation pipe, so that the pipeline and Nest's pipe stage use
 * one validator (and the pipe stage answers the instance the pipeline validated).
 */
export function pipeInputValidator(pipe: PipeTransform<unknown, unknown>): InputValidator {
  const metadata = new WeakMap<EndpointInput, ArgumentMetadata>();
  return {
    validate(value, input) {
      let known = metadata.get(input);
      if (known === undefined) {
        known = {
          type: PIPE_TYPES[input.source],
          metatype: input.metatype as ArgumentMetadata['metatype'],
          ...(input.name !== undefined ? { data: input.name } : {}),
        };
        metadata.set(input, known);
      }
      return pipe.transform(value, known);
    },
  };
}
