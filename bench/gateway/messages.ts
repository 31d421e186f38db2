import type { OssCredentialsConfig } from '../../src/config/app.config.js';

/** What the bench's child processes (emulator, forwarder) tell the parent over IPC. */
export type ChildMessage =
  | { type: 'ready'; url: string; credentials?: OssCredentialsConfig }
  | { type: 'counts'; counts: Record<string, number> };

/** What the parent asks them. */
export type ParentMessage = { type: 'counts' } | { type: 'stop' };
