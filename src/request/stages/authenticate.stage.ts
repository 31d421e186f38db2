import type { Caller } from '../../auth/caller/caller.js';
import type { GatewayRequest } from '../../common/request-context/request-facts.js';
import type { Stage } from '../pipeline-request.js';

/** Who is calling: at once for an API key, a promise for a JWT; bad credentials throw the 401. */
export interface Authenticator {
  authenticate(req: GatewayRequest): Caller | Promise<Caller>;
}

/** authenticate: the caller of the request, from its headers (DESIGN §5, before the body is used). */
export function authenticateStage(authenticator: Authenticator): Stage {
  return (request) => {
    const caller = authenticator.authenticate(request.facts.req);
    if (caller instanceof Promise) {
      return caller.then((known) => {
        request.caller = known;
      });
    }
    request.caller = caller;
    return undefined;
  };
}
