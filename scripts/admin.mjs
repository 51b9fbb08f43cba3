// `npm run admin -- --endpoint https://ledge.example.workers.dev/v1 --email you@example.com`
// Creates an admin of the admin realm (who `appwrite login` signs in as) on a running Ledge,
// with the root key from ROOT_API_KEY (or --key). The password is --password, else generated and
// printed once. PROJECT_ID (or --project) names the project; default `local`.
import { parseArgs } from 'node:util';
import { createAdmin, generateAdminPassword } from './admin-api.mjs';

const { values } = parseArgs({
  options: {
    endpoint: { type: 'string' },
    email: { type: 'string' },
    password: { type: 'string' },
    name: { type: 'string' },
    key: { type: 'string' },
    project: { type: 'string' },
  },
});
const rootKey = values.key ?? process.env.ROOT_API_KEY;
if (!values.endpoint || !values.email || !rootKey) {
  console.error('Usage: ROOT_API_KEY=<root key> npm run admin -- --endpoint <https://…/v1> --email <email> [--password <password>] [--name <name>] [--project <id>]');
  process.exit(2);
}
const password = values.password ?? generateAdminPassword();
try {
  const result = await createAdmin({ endpoint: values.endpoint, projectId: values.project ?? process.env.PROJECT_ID ?? 'local', rootKey, email: values.email, password, name: values.name });
  if (result === 'exists') {
    console.error(`An admin with the email ${values.email} already exists.`);
    process.exit(1);
  }
  console.log(`Admin created: ${values.email}${values.password ? '' : `\nPassword:      ${password}   (shown once)`}`);
  console.log(`Sign in:       npx appwrite login --endpoint ${values.endpoint} --email ${values.email} --password <password>`);
} catch (err) {
  console.error(err.message);
  process.exit(1);
}
