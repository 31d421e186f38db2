import { describe, expect, it } from 'vitest';
import type { GatewayRequest, RequestFacts } from '../../common/request-context/request-facts.js';
import type { Endpoint, EndpointInput } from '../endpoint.js';
import type { PipelineRequest } from '../pipeline-request.js';
import { inputValue, validateStage } from './validate.stage.js';

class Params {}
class Body {}
class Input {}

function request(inputs: EndpointInput[], facts: Partial<RequestFacts>): PipelineRequest {
  const endpoint: Endpoint = {
    name: 'Handlers.h',
    access: { kind: 'requires', requirement: { action: 'a', resource: { kind: 'static', resource: '*' } } },
    inputs,
  };
  return {
    endpoint,
    requirement: { action: 'a', resource: { kind: 'static', resource: '*' } },
    facts: {
      transport: 'http',
      params: {},
      query: {},
      body: undefined,
      args: {},
      req: {} as GatewayRequest,
      ...facts,
    },
  };
}

describe(validateStage.name, () => {
  it('reads each input from its source, whole or by name', () => {
    const facts = request([], {
      params: { bucket: 'b' },
      query: { dryRun: 'true' },
      body: { enabled: true },
      args: { input: { id: 'r' } },
    }).facts;
    expect(inputValue(facts, { source: 'params', metatype: Params })).toEqual({ bucket: 'b' });
    expect(inputValue(facts, { source: 'query', name: 'dryRun', metatype: Params })).toBe('true');
    expect(inputValue(facts, { source: 'body', metatype: Body })).toEqual({ enabled: true });
    expect(inputValue(facts, { source: 'args', name: 'input', metatype: Input })).toEqual({ id: 'r' });
    expect(inputValue(facts, { source: 'body', name: 'x', metatype: Body })).toBeUndefined();
  });

  it('validates every input in order, at once while the validator answers at once', async () => {
    const seen: string[] = [];
    const stage = validateStage({
      validate: (_value, input) => {
        seen.push(input.metatype.name);
        return input.metatype === Body ? Promise.resolve('later') : 'now';
      },
    });
    const synchronous = request([{ source: 'params', metatype: Params }], {});
    expect(stage(synchronous)).toBeUndefined();

    const waiting = request(
      [
        { source: 'params', metatype: Params },
        { source: 'body', metatype: Body },
        { source: 'query', metatype: Input },
      ],
      {},
    );
    seen.length = 0;
    const pending = stage(waiting);
    expect(pending).toBeInstanceOf(Promise);
    expect(seen).toEqual(['Params', 'Body']);
    await pending;
    expect(seen).toEqual(['Params', 'Body', 'Input']);
  });

  it('fails with the validator’s error, thrown or rejected', async () => {
    const thrown = validateStage({
      validate: () => {
        throw new Error('bad input');
      },
    });
    expect(() => thrown(request([{ source: 'params', metatype: Params }], {}))).toThrow('bad input');
    const rejected = validateStage({ validate: () => Promise.reject(new Error('bad body')) });
    await expect(rejected(request([{ source: 'body', metatype: Body }], {}))).rejects.toThrow('bad body');
  });
});
