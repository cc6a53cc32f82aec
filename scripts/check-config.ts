/**
 * `npm run config:check`: validate the environment the way every service does
 * at start-up, and print the resolved settings (secrets redacted).
 */
import { loadConfigOrExit } from '../lib/config';
import { redactUrl } from '../lib/mongo';

const config = loadConfigOrExit();
const shown = {
  ...config,
  mongo: { ...config.mongo, url: redactUrl(config.mongo.url) },
  redis: { url: config.redis.url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:[redacted]@') }, // redis://:password@ too
  football: { ...config.football, token: config.football.token ? '[set]' : '[not set: simulator]' },
  workers: { ...config.workers, adminPassword: config.workers.adminPassword ? '[set]' : '[not set]' },
};
console.log(JSON.stringify(shown, null, 2));
