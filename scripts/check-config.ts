/**
 * `npm run config:check`: validate the environment the way every service does
 * at start-up, and print the resolved settings, secrets redacted: the token and
 * the admin password say only whether they are set, and every URL's password
 * (REDIS_URL, MONGO_URL, ...) is replaced by lib/redact.ts `redactUrl`.
 */
import { loadConfigOrExit } from '../lib/config';
import { redactUrl } from '../lib/redact';

const config = loadConfigOrExit();
const shown = {
  ...config,
  football: { ...config.football, token: config.football.token ? '[set]' : '[not set: simulator]' },
  admin: { ...config.admin, password: config.admin.password ? '[set]' : '[not set]' },
};
console.log(redactUrl(JSON.stringify(shown, null, 2)));
