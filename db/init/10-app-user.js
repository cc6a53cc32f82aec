// MongoDB init script (mongosh), run by the official mongo image once, when the
// container starts on an empty data volume (/docker-entrypoint-initdb.d), as the
// root user whose password is the Docker secret `mongo_password` (db/password.txt).
//
// It creates the application user the services connect as: readWrite on the
// pipeline database only, defined in that database (authSource=<db>), with the
// password read from the same secret file. Environment (docker-compose.yaml):
//   MONGO_DB                 database of the pipeline (default: pipeline)
//   MONGO_APP_USER           user name (default: app)
//   MONGO_APP_PASSWORD_FILE  file holding its password (default: /run/secrets/mongo_password)
const dbName = process.env.MONGO_DB || 'pipeline';
const appUser = process.env.MONGO_APP_USER || 'app';
const passwordFile = process.env.MONGO_APP_PASSWORD_FILE || '/run/secrets/mongo_password';

// Trimmed like lib/mongo.ts resolveMongoUrl() trims it, so both sides agree.
const appPassword = require('fs').readFileSync(passwordFile, 'utf8').trim();
if (!appPassword) {
  throw new Error(`${passwordFile} is empty: write the MongoDB password into db/password.txt`);
}

const pipelineDb = db.getSiblingDB(dbName);
const roles = [{ role: 'readWrite', db: dbName }];
if (pipelineDb.getUser(appUser)) {
  pipelineDb.updateUser(appUser, { pwd: appPassword, roles });
  print(`init: updated user ${appUser} (readWrite on ${dbName})`);
} else {
  pipelineDb.createUser({ user: appUser, pwd: appPassword, roles });
  print(`init: created user ${appUser} (readWrite on ${dbName})`);
}
