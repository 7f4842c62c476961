import { timingSafeEqual } from 'node:crypto';
import { type Metadata, type StatusObject, status } from '@grpc/grpc-js';

/** Returns the gRPC error to answer with, or undefined when the call may proceed. */
export type AuthCheck = (metadata: Metadata) => Partial<StatusObject> | undefined;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Checks calls the way the Milvus proxy's authentication interceptor does: the `authorization`
 * metadata must be the base64 of the token (an API key, or `user:password`). Failures are gRPC
 * UNAUTHENTICATED with the proxy's messages. The token never appears in any message.
 *
 * @param token the expected token; undefined turns authentication off.
 */
export function createAuthCheck(token: string | undefined): AuthCheck {
  if (token === undefined) {
    return () => undefined;
  }
  const expected = Buffer.from(token, 'utf8');
  return (metadata) => {
    const [header] = metadata.get('authorization');
    if (header === undefined || header === '') {
      return { code: status.UNAUTHENTICATED, details: 'missing authorization in header' };
    }
    const encoded = String(header);
    if (!BASE64.test(encoded) || encoded.length % 4 !== 0) {
      return { code: status.UNAUTHENTICATED, details: 'invalid token format' };
    }
    const presented = Buffer.from(encoded, 'base64');
    if (presented.length === expected.length && timingSafeEqual(presented, expected)) {
      return undefined;
    }
    // Like the proxy, judge by what was presented: `user:password` or an API key.
    return {
      code: status.UNAUTHENTICATED,
      details: presented.includes(':')
        ? 'auth check failure, please check username and password are correct'
        : 'auth check failure, please check api key is correct',
    };
  };
}
