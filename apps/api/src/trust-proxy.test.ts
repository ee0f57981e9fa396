import { describe, expect, it } from 'vitest';
import { readApiEnv } from './env.ts';
import { TrustProxySchema } from './trust-proxy.ts';

describe('SWEEPS_TRUST_PROXY', () => {
  it('is off unless set', () => {
    expect(readApiEnv({}).SWEEPS_TRUST_PROXY).toBe(false);
    expect(TrustProxySchema.parse('')).toBe(false);
    expect(TrustProxySchema.parse('false')).toBe(false);
  });

  it('takes true, or proxy addresses and CIDR ranges', () => {
    expect(TrustProxySchema.parse('true')).toBe(true);
    expect(TrustProxySchema.parse(' 127.0.0.1, 10.0.0.0/8 ,::1,fd00::/8')).toEqual([
      '127.0.0.1',
      '10.0.0.0/8',
      '::1',
      'fd00::/8',
    ]);
  });

  it('refuses hop counts, host names and bad ranges, naming them', () => {
    for (const bad of ['1', 'proxy.local', '10.0.0.0/33', '10.0.0.1/8/1', '127.0.0.1,'])
      expect(() => TrustProxySchema.parse(bad), bad).toThrow(/SWEEPS_TRUST_PROXY/);
    expect(() => readApiEnv({ SWEEPS_TRUST_PROXY: 'proxy.local' })).toThrow(/proxy\.local/);
  });
});
