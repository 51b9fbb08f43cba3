/**
 * Appwrite's parameter rules for functions, as zod schemas (the Functions create/update routes and
 * the variables routes share them).
 */
import { Cron } from 'croner';
import { z } from 'zod';
import { isValidRole } from '../lib/permissions';
import { KEY_SCOPES } from '../lib/scopes';
import { boolParam, intParam } from '../lib/validator';
import { SPECIFICATION } from './runtimes';

/** Appwrite's APP_LIMIT_ARRAY_PARAMS_SIZE. */
const ARRAY_LIMIT = 100;

/** An event name or pattern: dot-separated segments, each a name, an id or `*`. */
const EVENT = /^(\*|[A-Za-z0-9_-]+)(\.(\*|[A-Za-z0-9_-]+))*$/;
export const eventsParam = z.array(z.string().max(256).regex(EVENT, 'Value must be a valid event name')).max(ARRAY_LIMIT);

export const executeParam = z
  .array(z.string().max(64).refine(isValidRole, { message: 'Role must be a valid role (any, guests, users, user:ID, team:ID[/role], member:ID, label:L)' }))
  .max(ARRAY_LIMIT);

/** Standard five-field cron (minute precision, UTC), parsed by croner. */
export function parseSchedule(expression: string): Cron {
  return new Cron(expression, { mode: '5-part', timezone: 'UTC', paused: true });
}

export const scheduleParam = z.string().max(256).refine(
  (value) => {
    if (value === '') return true;
    try {
      parseSchedule(value);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'String must be a valid cron expression' },
);

/** Appwrite's default upper bound (_APP_FUNCTIONS_TIMEOUT). */
export const MAX_TIMEOUT = 900;

const specification = z.string().refine((v) => v === SPECIFICATION.slug, { message: `Specification must be one of: ${SPECIFICATION.slug}` });

/** Everything createFunction/updateFunction take besides `functionId`. */
export const functionFields = z.object({
  name: z.string().min(1).max(128),
  runtime: z.string().max(128),
  execute: executeParam.optional(),
  events: eventsParam.optional(),
  schedule: scheduleParam.optional(),
  timeout: intParam.pipe(z.number().min(1).max(MAX_TIMEOUT)).optional(),
  enabled: boolParam.optional(),
  logging: boolParam.optional(),
  entrypoint: z.string().max(1028).optional(),
  commands: z.string().max(8192).optional(),
  scopes: z.array(z.enum(KEY_SCOPES)).max(ARRAY_LIMIT).optional(),
  installationId: z.string().max(128).optional(),
  providerRepositoryId: z.string().max(128).optional(),
  providerBranch: z.string().max(128).optional(),
  providerSilentMode: boolParam.optional(),
  providerRootDirectory: z.string().max(128).optional(),
  providerBranches: z.array(z.string().max(128)).max(ARRAY_LIMIT).optional(),
  providerPaths: z.array(z.string().max(128)).max(ARRAY_LIMIT).optional(),
  buildSpecification: specification.optional(),
  runtimeSpecification: specification.optional(),
  deploymentRetention: intParam.pipe(z.number().min(0).max(36500)).optional(),
});
export type FunctionFields = z.output<typeof functionFields>;

export const variableFields = z.object({
  key: z.string().min(1).max(255),
  value: z.string().max(8192),
  secret: boolParam.optional(),
});
