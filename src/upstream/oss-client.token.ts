/** DI token of the application's one `OssClient` (provided by `OssModule`). */
export const OSS_CLIENT = Symbol('OSS_CLIENT');
