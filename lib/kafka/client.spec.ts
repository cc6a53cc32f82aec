import { securityOptions } from './client';

describe('securityOptions: kafkajs settings for config.kafka.security', () => {
  const sasl = { mechanism: 'scram-sha-512', username: 'kafka-pipeline-api', password: 'p' } as const;

  it('adds nothing in plaintext', () => {
    expect(securityOptions({ protocol: 'PLAINTEXT' })).toEqual({});
  });

  it('with SASL_SSL: TLS trusting only the given CA bundle, and the SCRAM login', () => {
    expect(securityOptions({ protocol: 'SASL_SSL', sasl, ssl: { ca: 'PEM', caFile: '/ca.crt' } })).toEqual({
      ssl: { ca: ['PEM'] },
      sasl,
    });
  });

  it("with SASL_SSL and no CA file: TLS against the system's CAs", () => {
    expect(securityOptions({ protocol: 'SASL_SSL', sasl, ssl: {} })).toEqual({ ssl: true, sasl });
  });
});
