import { defineConfig } from 'drizzle-kit';

// System tables only; drizzle-kit writes the SQL that wrangler and the tests apply.
export default defineConfig({
  dialect: 'sqlite',
  schema: './workers/db/schema.ts',
  out: './migrations',
});
