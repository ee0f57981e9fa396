/**
 * `SWEEPS_TRUST_PROXY`: whether, and which, proxies in front of the API may say who the client is
 * (X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host), as fastify's `trustProxy` option takes it:
 * - `false` (default): the client is the TCP peer; X-Forwarded-* headers are ignored;
 * - addresses or CIDR ranges of the proxies, comma-separated, e.g. `10.0.0.5,127.0.0.1`: a request from one of
 *   them is taken to come from the address it names in X-Forwarded-For (walking right to left past trusted
 *   proxies), so a client cannot forge its address by sending the header itself;
 * - `true`: trust every hop, so the leftmost X-Forwarded-For entry, which any client can write: only when
 *   nothing but the proxy can reach the API.
 * Hop counts are refused: fastify 5 trusts nothing for a number (it cannot check the nearest peer).
 */
import { isIP } from 'node:net';
import { z } from 'zod';

export type TrustProxy = boolean | string[];

function isAddressOrRange(s: string): boolean {
  const [address = '', bits, ...rest] = s.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

export const TrustProxySchema = z
  .string()
  .trim()
  .default('false')
  .transform((v, ctx): TrustProxy => {
    if (v === '' || v === 'false') return false;
    if (v === 'true') return true;
    const list = v.split(',').map((s) => s.trim());
    const bad = list.filter((s) => !isAddressOrRange(s));
    if (bad.length === 0) return list;
    ctx.addIssue({
      code: 'custom',
      message: `SWEEPS_TRUST_PROXY is "false", "true", or the proxies' addresses/CIDR ranges separated by commas (e.g. 127.0.0.1,10.0.0.0/8); not an address: ${bad.join(', ')}`,
    });
    return z.NEVER;
  });
