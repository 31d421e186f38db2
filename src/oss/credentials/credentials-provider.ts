import { OssClientError } from '../errors.js';
import type { OssCredentials } from '../signer/types.js';

/** Static credentials, or a function returning fresh ones (e.g. STS that refreshes itself). */
export type CredentialsSource = OssCredentials | (() => Promise<OssCredentials> | OssCredentials);

/** Resolves and checks credentials; failures never include the secret. */
export async function resolveCredentials(source: CredentialsSource): Promise<OssCredentials> {
  let credentials: OssCredentials;
  try {
    credentials = typeof source === 'function' ? await source() : source;
  } catch (cause) {
    throw new OssClientError('CredentialsError', 'The credentials provider failed', { cause });
  }
  return checkedCredentials(credentials);
}

function checkedCredentials(credentials: OssCredentials): OssCredentials {
  if (!credentials || !credentials.accessKeyId || !credentials.accessKeySecret) {
    throw new OssClientError('CredentialsError', 'Credentials need an accessKeyId and an accessKeySecret');
  }
  return credentials;
}
