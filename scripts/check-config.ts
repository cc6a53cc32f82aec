/**
 * `npm run config:check`: validate the environment the way every service does
 * at start-up, and print the resolved settings, secrets redacted: the token and
 * the admin password say only whether they are set, the Kafka password is blanked,
 * the CA bundle is counted, and every URL's password
 * (REDIS_URL, MONGO_URL, ...) is replaced by lib/redact.ts `redactUrl`.
 */
import { loadConfigOrExit } from '../lib/config';
import { redactUrl } from '../lib/redact';

const config = loadConfigOrExit();
const { security } = config.kafka;
const shown = {
  ...config,
  kafka: {
    ...config.kafka,
    security:
      security.protocol === 'PLAINTEXT'
        ? security
        : {
            ...security,
            sasl: { ...security.sasl, password: '[redacted]' },
            ssl: { ...security.ssl, ca: security.ssl.ca ? '[PEM]' : '[system CAs]' },
          },
  },
  football: { ...config.football, token: config.football.token ? '[set]' : '[not set: simulator]' },
  admin: { ...config.admin, password: config.admin.password ? '[set]' : '[not set]' },
};
console.log(redactUrl(JSON.stringify(shown, null, 2)));
