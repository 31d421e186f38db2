/** The largest request body the gateway reads (DESIGN §9): bigger ones are 413 PAYLOAD_TOO_LARGE. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** The one media type request bodies may have (anything else is 415 UNSUPPORTED_MEDIA_TYPE). */
export const JSON_MEDIA_TYPE = 'application/json';
