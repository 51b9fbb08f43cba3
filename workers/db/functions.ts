/** Functions, variables, deployments, executions and run cron slots (0015, 0017). */
import { sql } from 'drizzle-orm';
import { sqliteTable, text, integer, real, index, uniqueIndex, primaryKey } from 'drizzle-orm/sqlite-core';
import { bool, json } from './columns';

/** What Appwrite stores and shows but Ledge never acts on (VCS links, specifications, retention). */
export interface FunctionSettings {
  installationId?: string;
  providerRepositoryId?: string;
  providerBranch?: string;
  providerSilentMode?: boolean;
  providerRootDirectory?: string;
  providerBranches?: string[];
  providerPaths?: string[];
  buildSpecification?: string;
  runtimeSpecification?: string;
  deploymentRetention?: number;
}

export const functions = sqliteTable(
  'functions',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    name: text('name').notNull(),
    runtime: text('runtime').notNull(),
    execute: json<string[]>('execute').notNull().default([]),
    events: json<string[]>('events').notNull().default([]),
    schedule: text('schedule').notNull().default(''),
    /** When the schedule was last set: cron slots before it never run. */
    scheduleSince: text('schedule_since').notNull(),
    timeout: integer('timeout').notNull().default(15),
    enabled: bool('enabled').notNull().default(true),
    logging: bool('logging').notNull().default(true),
    entrypoint: text('entrypoint').notNull().default(''),
    commands: text('commands').notNull().default(''),
    scopes: json<string[]>('scopes').notNull().default([]),
    settings: json<FunctionSettings>('settings').notNull().default({}),
    deploymentId: text('deployment_id').notNull().default(''),
    deploymentCreatedAt: text('deployment_created_at').notNull().default(''),
    search: text('search').notNull().default(''),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('functions_id').on(t.id), index('functions_schedule').on(t.schedule).where(sql`schedule != ''`)],
);

export const functionVariables = sqliteTable(
  'function_variables',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    functionId: text('function_id').notNull(),
    key: text('key').notNull(),
    value: text('value').notNull().default(''),
    secret: bool('secret').notNull().default(false),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('function_variables_id').on(t.functionId, t.id), uniqueIndex('function_variables_key').on(t.functionId, t.key)],
);

export const deployments = sqliteTable(
  'deployments',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    functionId: text('function_id').notNull(),
    type: text('type').notNull().default('manual'),
    entrypoint: text('entrypoint').notNull(),
    commands: text('commands').notNull().default(''),
    status: text('status').notNull().default('waiting'),
    buildLogs: text('build_logs').notNull().default(''),
    buildDuration: integer('build_duration').notNull().default(0),
    sourceSize: integer('source_size').notNull().default(0),
    buildSize: integer('build_size').notNull().default(0),
    activate: bool('activate').notNull().default(false),
    chunksTotal: integer('chunks_total').notNull().default(1),
    chunksUploaded: integer('chunks_uploaded').notNull().default(0),
    /** R2 multipart upload of a chunked archive, until it completes. */
    uploadId: text('upload_id').notNull().default(''),
    /** The built module map imports node-appwrite, so the isolate gets Ledge's copy. */
    importsSdk: bool('imports_sdk').notNull().default(false),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('deployments_id').on(t.id), index('deployments_function').on(t.functionId, t.seq)],
);

/** Parts of a chunked archive upload (R2 multipart), one per 5 MiB chunk. */
export const deploymentParts = sqliteTable(
  'deployment_parts',
  {
    deploymentId: text('deployment_id').notNull(),
    part: integer('part').notNull(),
    etag: text('etag').notNull(),
  },
  (t) => [primaryKey({ columns: [t.deploymentId, t.part] })],
);

export interface HeaderPair {
  name: string;
  value: string;
}

/** What an async run needs that the model does not show: body, caller headers, session. */
export interface ExecutionInput {
  body: string;
  headers: Record<string, string>;
  userId: string;
  sessionId: string;
  event?: string;
}

export const executions = sqliteTable(
  'executions',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    functionId: text('function_id').notNull(),
    deploymentId: text('deployment_id').notNull().default(''),
    trigger: text('trigger').notNull(),
    status: text('status').notNull(),
    permissions: json<string[]>('permissions').notNull().default([]),
    requestMethod: text('request_method').notNull().default('POST'),
    requestPath: text('request_path').notNull().default('/'),
    requestHeaders: json<HeaderPair[]>('request_headers').notNull().default([]),
    responseStatusCode: integer('response_status_code').notNull().default(0),
    responseHeaders: json<HeaderPair[]>('response_headers').notNull().default([]),
    logs: text('logs').notNull().default(''),
    errors: text('errors').notNull().default(''),
    duration: real('duration').notNull().default(0),
    scheduledAt: text('scheduled_at'),
    /** A scheduled execution has been handed to the queue (with its delay). */
    queued: bool('queued').notNull().default(false),
    input: json<ExecutionInput>('input'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('executions_id').on(t.id),
    index('executions_function').on(t.functionId, t.seq),
    // 0017: the cron's sweep of waiting executions that will never be taken from the queue.
    index('executions_waiting').on(t.updatedAt).where(sql`status = 'waiting'`),
    index('executions_scheduled').on(t.scheduledAt).where(sql`status = 'scheduled' AND queued = 0`),
  ],
);

/** Cron slots already run, so a late or doubled cron tick runs each slot once. */
export const functionScheduleRuns = sqliteTable(
  'function_schedule_runs',
  {
    functionId: text('function_id').notNull(),
    slot: text('slot').notNull(),
    ranAt: text('ran_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.functionId, t.slot] }), index('function_schedule_runs_ran_at').on(t.ranAt)],
);

/** Proxy rules recorded for appwrite-cli's function pushes (0032); not routed. */
export const functionRules = sqliteTable(
  'function_rules',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull(),
    domain: text('domain').notNull(),
    functionId: text('function_id').notNull(),
    branch: text('branch').notNull().default(''),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('function_rules_id').on(t.id), uniqueIndex('function_rules_domain').on(t.domain)],
);
