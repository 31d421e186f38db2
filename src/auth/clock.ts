/** The time source of authentication and authorization (token expiry, `acs:CurrentTime`, audit time). */
export type Clock = () => Date;

/** Injection token; AuthModule provides `() => new Date()`, tests override it. */
export const AUTH_CLOCK = Symbol('AUTH_CLOCK');

export const systemClock: Clock = () => new Date();
