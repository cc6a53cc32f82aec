/**
 * `node --import tsx scripts/kafka-local-acls.ts`: gives the local stack's
 * SCRAM users (one per service, infra/kafka/security.sh) exactly the ACLs of
 * lib/kafka/service-acls.ts, for the topics and groups of this environment's
 * config. infra/kafka/security.sh runs it over the brokers' plaintext
 * listeners, where the client is the super user User:ANONYMOUS; it prints one
 * line (how many ACLs it created and deleted) and exits 1 on failure.
 */
import { loadConfigOrExit } from '../lib/config';
import { createKafka } from '../lib/kafka/client';
import { applyServiceAcls } from '../lib/kafka/service-acls';
import { createLogger } from '../lib/logger';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger({ service: 'kafka-local-acls', level: config.logLevel });
  const kafka = createKafka(config.kafka, log, { clientId: `${config.kafka.clientId}-local-acls` });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const applied = await applyServiceAcls(admin, config);
    console.log(`kafka-local-acls: ${applied.created} created, ${applied.deleted} deleted`);
  } finally {
    await admin.disconnect();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`kafka-local-acls failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
