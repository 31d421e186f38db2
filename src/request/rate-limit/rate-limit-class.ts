import type { RateLimitClass } from './rate-limit-config.js';

const READ_VERBS = /^(Get|List|Head|Describe)/;
const SIMULATE_ACTIONS = new Set(['gateway:simulatepolicy']);

/**
 * The class an authenticated request is charged to, from the RAM action it needs (DESIGN.md §9):
 * `gateway:SimulatePolicy` → simulate; `Get*` / `List*` (`oss:GetBucketReplication*`,
 * `gateway:ListAuditEvents`) → read; everything else (`Put*`, `Delete*`, any action not known to
 * read) → write. A route with no action of its own (`/v1/me`) is a read. Requests without valid
 * credentials are `anonymous` whatever they ask for; the stage decides that, not the action.
 */
export function rateLimitClassOf(action: string | undefined): Exclude<RateLimitClass, 'anonymous'> {
  if (action === undefined || action === '') {
    return 'read';
  }
  if (SIMULATE_ACTIONS.has(action.toLowerCase())) {
    return 'simulate';
  }
  const name = action.slice(action.indexOf(':') + 1);
  // RAM matches actions case-insensitively; the catalogue spells verbs with a capital.
  const verb = name.charAt(0).toUpperCase() + name.slice(1);
  return READ_VERBS.test(verb) ? 'read' : 'write';
}
