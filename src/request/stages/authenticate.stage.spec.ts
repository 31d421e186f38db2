import { describe, expect, it } from 'vitest';
import type { Caller } from '../../auth/caller/caller.js';
import { DomainError, ErrorCode } from '../../common/errors/domain-error.js';
import type { GatewayRequest } from '../../common/request-context/request-facts.js';
import type { PipelineRequest } from '../pipeline-request.js';
import { authenticateStage } from './authenticate.stage.js';

const caller = { principalId: 'alice' } as Caller;

function request(): PipelineRequest {
  const requirement = { action: 'a', resource: { kind: 'static', resource: '*' } } as const;
  return {
    endpoint: { name: 'H.h', access: { kind: 'requires', requirement }, inputs: [] },
    requirement,
    facts: {
      transport: 'http',
      params: {},
      query: {},
      body: undefined,
      args: {},
      req: { headers: {} } as GatewayRequest,
    },
  };
}

describe(authenticateStage.name, () => {
  it('knows an API-key caller at once and a JWT caller once its token is verified', async () => {
    const atOnce = request();
    expect(authenticateStage({ authenticate: () => caller })(atOnce)).toBeUndefined();
    expect(atOnce.caller).toBe(caller);

    const later = request();
    const pending = authenticateStage({ authenticate: () => Promise.resolve(caller) })(later);
    expect(later.caller).toBeUndefined();
    await pending;
    expect(later.caller).toBe(caller);
  });

  it('lets the 401 through', () => {
    const unauthenticated = new DomainError(ErrorCode.Unauthenticated, 'no key');
    const stage = authenticateStage({
      authenticate: () => {
        throw unauthenticated;
      },
    });
    expect(() => stage(request())).toThrow(unauthenticated);
  });
});
