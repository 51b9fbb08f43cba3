/**
 * Ledge's layering, checked in CI (`npm run lint:layers`, part of `npm test`). Layers point one way:
 * root wiring (workers/index.ts, app.ts) → domains (route faces) → shared layers (identity, events,
 * mail, http, middleware, sandbox, db) → lib. See README "Design notes".
 */
const DOMAINS = ['account', 'users', 'teams', 'databases', 'project', 'health', 'storage', 'functions', 'realtime', 'webhooks', 'admin', 'console', 'avatars', 'locale'];
const SHARED = ['identity', 'events', 'mail', 'http', 'middleware', 'sandbox', 'db', 'settings'];
const domain = `^workers/(${DOMAINS.join('|')})/`;
const shared = `^workers/(${SHARED.join('|')})/`;

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Modules form no import cycle (a cycle is two modules that cannot be understood apart).',
      severity: 'error',
      from: { path: '^(workers|durable-objects)/' },
      to: { circular: true },
    },
    {
      name: 'identity-faces-apart',
      comment: 'account/, users/ and teams/ are route faces over workers/identity and never import each other.',
      severity: 'error',
      from: { path: '^workers/(account|users|teams)/' },
      to: { path: '^workers/(account|users|teams)/', pathNot: '^workers/$1/' },
    },
    {
      name: 'domains-apart',
      comment: "A domain never imports another domain: what two domains share lives below them (identity, events, lib, …).",
      severity: 'error',
      from: { path: domain },
      to: { path: domain, pathNot: '^workers/$1/' },
    },
    {
      name: 'shared-below-domains',
      comment: 'Shared layers (identity, events, mail, http, middleware, sandbox, db) never import a domain.',
      severity: 'error',
      from: { path: shared },
      to: { path: domain },
    },
    {
      name: 'lib-imports-lib-only',
      comment: 'lib/ imports no domain and no shared layer: only lib/ and packages (tests may read the drizzle schema).',
      severity: 'error',
      from: { path: '^workers/lib/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(workers|durable-objects)/', pathNot: '^workers/lib/' },
    },
    {
      name: 'lib-test-no-domain',
      comment: 'lib/ tests use lib/ and the schema, never a domain or a shared layer above it.',
      severity: 'error',
      from: { path: '^workers/lib/.*\\.test\\.ts$' },
      to: { path: '^(workers|durable-objects)/', pathNot: '^workers/(lib|db)/' },
    },
    {
      name: 'lib-no-hono',
      comment: 'lib/ is free of Hono, so stores, the queue consumer and Durable Objects use it as is.',
      severity: 'error',
      from: { path: '^workers/lib/' },
      to: { path: 'node_modules/(hono|@hono)/' },
    },
    {
      name: 'sdk-types-only-from-workers',
      comment: 'sdk/ (@ledge/client) ships alone: from workers/ and durable-objects/ it may import types, never code.',
      severity: 'error',
      from: { path: '^sdk/' },
      to: { path: '^(workers|durable-objects)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'sdk-no-runtime-dependencies',
      comment: "The client has no runtime dependencies: its source imports no package (Node's built-ins only in its CLI).",
      severity: 'error',
      from: { path: '^sdk/src/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown', 'core'] },
    },
    {
      name: 'server-not-on-sdk',
      comment: 'The Worker never depends on its client.',
      severity: 'error',
      from: { path: '^(workers|durable-objects)/' },
      to: { path: '^sdk/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|sdk/dist|\\.wrangler)/|worker-configuration\\.d\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
