/**
 * A request as the admin pages show it ("Send test", "Preview"): the headers the sender builds for
 * one attempt (credentials and Standard Webhooks signature included) with every secret-looking
 * header masked as in the log, and the body as sent except a Bitrix24 application token, shown
 * as `********`. Pure: the caller decides the attempt's timestamp.
 */
import { buildSendHeaders, type Credentials } from '../outbound/dispatch.js';
import { APPLICATION_TOKEN_PLACEHOLDER, fillApplicationToken } from '../outbound/bodies.js';
import { maskHeaders } from '../outbound/log-api.js';
import type { Delivery } from '../outbound/queue/read.js';

export interface ShownRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

/**
 * `snapshot` is the delivery as built (a Bitrix24 body holds the token slot, never the token);
 * `sent` is what requestToSend makes of it. The headers come from `sent`, as the sender's do.
 */
export function showRequest(
  snapshot: Delivery,
  sent: { delivery: Delivery; credentials: Credentials },
  timestampSeconds: number,
  hasApplicationToken: boolean,
): ShownRequest {
  return {
    method: sent.delivery.method,
    url: sent.delivery.url,
    headers: maskHeaders(buildSendHeaders(sent.delivery, sent.credentials, timestampSeconds)),
    body: fillApplicationToken(snapshot.body, hasApplicationToken ? APPLICATION_TOKEN_PLACEHOLDER : null),
  };
}
