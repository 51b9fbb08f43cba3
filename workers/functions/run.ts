import { exports } from 'cloudflare:workers';
import type { DeploymentRow } from './deployments-store';
import { sha256Hex } from '../lib/crypto';
import { storedBuild } from './build';
import { callIsolate, IsolateFailure, type IsolatePlan } from './isolate';
import { ALLOWED_HOSTS_VARIABLE, parseAllowedHosts, type OutboundProps } from './outbound';
import { INTERNAL_HEADER_PREFIX } from './runtime-source';
import { executionCredentials } from './run-credentials';
import { findRuntime, SPECIFICATION } from './runtimes';
import { sdkModules } from './sdk';
import type { FunctionRow } from './store';
import { variableValues } from './variables';

/**
 * One execution of a function, whatever triggered it: the isolate plan (module map, env with the
 * function's variables and APPWRITE_FUNCTION_* values, outbound), the request with Appwrite's
 * x-appwrite-* headers (caller, JWT, a short-lived key limited to the function's scopes), the
 * timeout, and the outcome as Appwrite records it (status ≥ 500 or no answer: failed).
 */

/** Where functions reach Ledge's API; calls to it are routed in-process (outbound.ts). */
export const DEFAULT_API_ENDPOINT = 'https://api.ledge.internal/v1';
export const apiEndpoint = (env: Env) => (env.FUNCTIONS_API_ENDPOINT || DEFAULT_API_ENDPOINT).replace(/\/+$/, '');

/** Appwrite's executor answers a synchronous execution within 30 s (its `requestTimeout`). */
export const SYNC_TIMEOUT_SECONDS = 30;

/** Appwrite's APP_FUNCTION_LOG_LENGTH_LIMIT, kept well inside a D1 row. */
export const LOG_LIMIT = 500_000;

export interface RunInput {
  fn: FunctionRow;
  deployment: Pick<DeploymentRow, 'id' | 'importsSdk' | 'type'>;
  executionId: string;
  trigger: 'http' | 'schedule' | 'event';
  method: string;
  /** Path with query string, as the execution names it. */
  path: string;
  /** Headers for the function (the caller's); x-appwrite-* ones are Ledge's to set. */
  headers: Record<string, string>;
  body: string | Uint8Array;
  user: { userId: string; sessionId: string } | null;
  event?: string;
  clientIp?: string;
  /** The origin the function sees in `req.url`; the API endpoint's by default. */
  origin?: string;
  /** The function's variables, when the caller has read them already. */
  vars?: Record<string, string>;
  /** A ceiling below the function's timeout: a synchronous run waits at most SYNC_TIMEOUT_SECONDS. */
  limitSeconds?: number;
}

export interface RunResult {
  status: 'completed' | 'failed';
  statusCode: number;
  headers: Record<string, string>;
  body: Uint8Array;
  logs: string;
  errors: string;
  /** Seconds. */
  duration: number;
}

function truncate(text: string, what: 'Logs' | 'Errors'): string {
  if (text.length <= LOG_LIMIT) return text;
  const warning = `[WARNING] ${what} truncated. The output exceeded ${LOG_LIMIT} characters.\n`;
  return warning + text.slice(text.length - (LOG_LIMIT - warning.length));
}

/** The isolate's env: the function's variables, then Appwrite's own values (which win). */
export function isolateEnv(env: Env, fn: FunctionRow, deployment: RunInput['deployment'], vars: Record<string, string>): Record<string, string> {
  const runtime = findRuntime(fn.runtime);
  return {
    ...vars,
    APPWRITE_FUNCTION_API_ENDPOINT: apiEndpoint(env),
    APPWRITE_FUNCTION_ID: fn.id,
    APPWRITE_FUNCTION_NAME: fn.name,
    APPWRITE_FUNCTION_DEPLOYMENT: deployment.id,
    APPWRITE_FUNCTION_PROJECT_ID: env.PROJECT_ID || 'local',
    APPWRITE_FUNCTION_RUNTIME_NAME: runtime?.name ?? '',
    APPWRITE_FUNCTION_RUNTIME_VERSION: runtime?.version ?? '',
    APPWRITE_FUNCTION_CPUS: String(SPECIFICATION.cpus),
    APPWRITE_FUNCTION_MEMORY: String(SPECIFICATION.memory),
    APPWRITE_VERSION: '1.9.6',
    APPWRITE_REGION: 'default',
    APPWRITE_DEPLOYMENT_TYPE: deployment.type,
  };
}

/** CPU per invocation: the timeout, within the Workers Paid plan's 5-minute ceiling. */
export const cpuLimitMs = (timeoutSeconds: number) => Math.min(timeoutSeconds * 1000, 300_000);

export async function functionPlan(env: Env, fn: FunctionRow, deployment: RunInput['deployment'], known?: Record<string, string>): Promise<IsolatePlan> {
  const vars = known ?? (await variableValues(env.DB, fn.id));
  const isolateVars = isolateEnv(env, fn, deployment, vars);
  const props: OutboundProps = { functionId: fn.id, endpoint: apiEndpoint(env), allowedHosts: parseAllowedHosts(vars[ALLOWED_HOSTS_VARIABLE]), timeoutMs: fn.timeout * 1000 };
  const limits = { cpuMs: cpuLimitMs(fn.timeout), subRequests: 1000 };
  // Same deployment, env, outbound and limits ⇒ same isolate: a warm one may be reused.
  const fingerprint = (await sha256Hex(JSON.stringify([isolateVars, props, limits]))).slice(0, 24);
  return {
    key: `fn:${deployment.id}:${fingerprint}`,
    entrypoint: '',
    modules: async () => (await storedBuild(env.FILES, fn.id, deployment.id)).modules,
    sdk: deployment.importsSdk ? () => sdkModules(env) : null,
    env: isolateVars,
    outbound: exports.FunctionOutbound({ props }),
    limits,
  };
}

/** Seconds this run may take: the function's timeout, or the caller's lower ceiling. */
export const runSeconds = (input: Pick<RunInput, 'fn' | 'limitSeconds'>) => Math.min(input.fn.timeout, input.limitSeconds ?? Infinity);

async function requestHeaders(env: Env, input: RunInput): Promise<Headers> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(input.headers)) {
    const lower = name.toLowerCase();
    if (!lower.startsWith('x-appwrite-') && !lower.startsWith(INTERNAL_HEADER_PREFIX)) headers.set(lower, value);
  }
  const [jwt, key] = await executionCredentials(env, { projectId: env.PROJECT_ID || 'local', fn: input.fn, user: input.user });
  const appwrite: Record<string, string> = {
    'x-appwrite-execution-id': input.executionId,
    'x-appwrite-trigger': input.trigger,
    'x-appwrite-event': input.event ?? '',
    'x-appwrite-user-id': input.user?.userId ?? '',
    'x-appwrite-user-jwt': jwt,
    'x-appwrite-key': key,
    'x-appwrite-country-code': '',
    'x-appwrite-continent-code': '',
    'x-appwrite-continent-eu': 'false',
    'x-appwrite-client-ip': input.clientIp ?? '',
    'x-ledge-timeout': String(runSeconds(input)),
    'x-ledge-logging': input.fn.logging ? '1' : '0',
  };
  for (const [name, value] of Object.entries(appwrite)) headers.set(name, value);
  return headers;
}

/** A run stopped by the synchronous ceiling rather than its own timeout says so, and what to do. */
function withCeiling(errors: string, input: RunInput): string {
  if (input.limitSeconds === undefined || input.limitSeconds >= input.fn.timeout) return errors;
  const why = `Synchronous executions are limited to ${input.limitSeconds} s (this function's timeout is ${input.fn.timeout} s): execute it asynchronously (async: true) to run longer.`;
  return errors ? `${errors}\n${why}` : why;
}

export async function runFunction(env: Env, input: RunInput): Promise<RunResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started) / 1000;
  try {
    const [plan, headers] = await Promise.all([functionPlan(env, input.fn, input.deployment, input.vars), requestHeaders(env, input)]);
    plan.entrypoint = (await storedBuild(env.FILES, input.fn.id, input.deployment.id)).entrypoint;
    const path = input.path.startsWith('/') ? input.path : `/${input.path}`;
    const url = `${input.origin ?? new URL(apiEndpoint(env)).origin}${path}`;
    const method = input.method.toUpperCase();
    const request = new Request(url, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : input.body });
    const answer = await callIsolate(env.LOADER, plan, request, runSeconds(input) * 1000);
    const failed = answer.statusCode >= 500 || answer.timedOut;
    return {
      status: failed ? 'failed' : 'completed',
      statusCode: answer.statusCode,
      headers: answer.headers,
      body: answer.body,
      logs: truncate(answer.logs, 'Logs'),
      errors: truncate(answer.timedOut ? withCeiling(answer.errors, input) : answer.errors, 'Errors'),
      duration: elapsed(),
    };
  } catch (err) {
    const base = err instanceof IsolateFailure ? err.message : `Execution failed: ${(err as Error).message ?? String(err)}`;
    const message = err instanceof IsolateFailure && err.timedOut ? withCeiling(base, input) : base;
    return { status: 'failed', statusCode: 500, headers: {}, body: new Uint8Array(), logs: '', errors: truncate(message, 'Errors'), duration: elapsed() };
  }
}
