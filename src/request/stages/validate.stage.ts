import type { RequestFacts } from '../../common/request-context/request-facts.js';
import type { EndpointInput } from '../endpoint.js';
import type { PipelineRequest, Stage } from '../pipeline-request.js';

/**
 * Validates one input of a handler (class-validator, through the global validation pipe): at once
 * or with a promise. Invalid input throws (or rejects with) the 400 naming each field.
 */
export interface InputValidator {
  validate(value: unknown, input: EndpointInput): unknown;
}

/** The value of one input in the request: a whole source (`req.params`), or one property of it. */
export function inputValue(facts: RequestFacts, input: EndpointInput): unknown {
  const source =
    input.source === 'params'
      ? facts.params
      : input.source === 'query'
        ? facts.query
        : input.source === 'body'
          ? facts.body
          : facts.args;
  if (input.name === undefined) {
    return source;
  }
  return typeof source === 'object' && source !== null
    ? (source as Record<string, unknown>)[input.name]
    : undefined;
}

function validateFrom(
  validator: InputValidator,
  request: PipelineRequest,
  first: number,
): void | Promise<void> {
  const { inputs } = request.endpoint;
  for (let i = first; i < inputs.length; i += 1) {
    const input = inputs[i];
    const result = validator.validate(inputValue(request.facts, input), input);
    if (result instanceof Promise) {
      return result.then(() => validateFrom(validator, request, i + 1));
    }
  }
  return undefined;
}

/**
 * validate: every input the handler declares, in parameter order, before authorization (DESIGN §5):
 * bad input is a 400 for every caller, whatever their policies.
 */
export function validateStage(validator: InputValidator): Stage {
  return (request) => validateFrom(validator, request, 0);
}
