import { ossError } from '../errors.js';
import { EMULATOR_OWNER_ID } from '../operations/operation-context.js';
import type { EmulatorAccessKey } from '../options.js';

/**
 * The credentials an emulator accepts. A long-term key is (id, secret); an STS credential is
 * (id, secret, token) and is only valid together with its token. The same id may appear both ways.
 */
export class KeyRing {
  private readonly byId = new Map<string, EmulatorAccessKey[]>();

  constructor(keys: readonly EmulatorAccessKey[]) {
    for (const key of keys) {
      const list = this.byId.get(key.accessKeyId) ?? [];
      list.push(key);
      this.byId.set(key.accessKeyId, list);
    }
  }

  /** The owner (account id) of a credential that `resolve` accepted. */
  ownerOf(accessKeyId: string, securityToken: string | undefined): string {
    return this.resolve(accessKeyId, securityToken).owner ?? EMULATOR_OWNER_ID;
  }

  /** Finds the credential for an access key id and the security token the request carried. */
  resolve(accessKeyId: string, securityToken: string | undefined): EmulatorAccessKey {
    const candidates = this.byId.get(accessKeyId);
    if (!candidates) {
      throw ossError('InvalidAccessKeyId', { OSSAccessKeyId: accessKeyId });
    }
    if (securityToken === undefined || securityToken === '') {
      const permanent = candidates.find((k) => k.securityToken === undefined);
      if (!permanent) {
        // A temporary key id means nothing without its token.
        throw ossError('InvalidAccessKeyId', { OSSAccessKeyId: accessKeyId });
      }
      return permanent;
    }
    const sts = candidates.find((k) => k.securityToken === securityToken);
    if (sts) {
      return sts;
    }
    if (candidates.every((k) => k.securityToken === undefined)) {
      throw ossError('AccessKeyIdAndSecurityTokenNotMatch', { OSSAccessKeyId: accessKeyId });
    }
    throw ossError('InvalidSecurityToken', { OSSAccessKeyId: accessKeyId });
  }
}
