'use strict';
/*
 * Slipway delivery-metrics collector (Lambda, nodejs20.x, CommonJS, no bundled deps).
 *
 * CodePipeline publishes no CloudWatch metrics. EventBridge rules send CodePipeline
 * and CodeDeploy state-change events here; each one becomes zero or more custom
 * metrics written to stdout in CloudWatch Embedded Metric Format (EMF). CloudWatch
 * Logs extracts them, so no cloudwatch:PutMetricData permission is needed.
 *
 * Event shapes (verified against the AWS docs):
 *   https://docs.aws.amazon.com/codepipeline/latest/userguide/detect-state-changes-cloudwatch-events.html
 *   https://docs.aws.amazon.com/codedeploy/latest/userguide/monitoring-cloudwatch-events.html
 * EMF: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 *
 * Delivery is at-least-once and unordered ("Events are emitted on a guaranteed,
 * at-least-once basis", CodePipeline doc above; CodeDeploy events are best effort).
 * Every event is therefore claimed once with a conditional put ("seen" marker), and
 * every duration is computed by whichever of its two ends arrives second, guarded by
 * a second claim so it is emitted exactly once and never negative.
 *
 * Env: SLIPWAY_CONFIG (JSON, see parseConfig), SLIPWAY_STATE_TABLE (DynamoDB table).
 */

const { createDynamoStore } = require('./store');

const PIPELINE_EVENT = 'CodePipeline Pipeline Execution State Change';
const ACTION_EVENT = 'CodePipeline Action Execution State Change';
const CODEDEPLOY_EVENT = 'CodeDeploy Deployment State-change Notification';

const DAY_SECONDS = 86400;
const STATE_TTL_SECONDS = 30 * DAY_SECONDS;
// An open production incident (for TimeToRestore) may legitimately last longer.
const INCIDENT_TTL_SECONDS = 180 * DAY_SECONDS;
const DEFAULT_NAMESPACE = 'Slipway/Delivery';

// Terminal pipeline states. SUPERSEDED (a newer execution overtook this one) and
// CANCELED (pipeline structure updated) are reported as Stopped.
const PIPELINE_OUTCOMES = {
  SUCCEEDED: 'PipelineExecutionSucceeded',
  FAILED: 'PipelineExecutionFailed',
  STOPPED: 'PipelineExecutionStopped',
  SUPERSEDED: 'PipelineExecutionStopped',
  CANCELED: 'PipelineExecutionStopped',
};
// Action states we measure. ABANDONED/CANCELED deploy actions count as neither outcome.
const ACTION_STATES = new Set(['STARTED', 'SUCCEEDED', 'FAILED']);
// CodeDeploy deployment states: START | SUCCESS | FAILURE | STOP | READY (READY is the
// blue/green "waiting for traffic reroute" state); only terminal ones are counted.
const CODEDEPLOY_OUTCOMES = {
  SUCCESS: 'CodeDeployDeploymentSucceeded',
  FAILURE: 'CodeDeployDeploymentFailed',
  STOP: 'CodeDeployDeploymentStopped',
};
// The CodePipeline action Slipway uses for ECS blue/green (CDK CodeDeployEcsDeployAction).
const DEPLOY_CATEGORY = 'Deploy';
const DEPLOY_PROVIDER = 'CodeDeployToECS';

class MalformedEvent extends Error {}

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
// Own-property lookup, so names like "__proto__" or "constructor" are never "known".
const lookup = (map, name) => (isObject(map) && Object.hasOwn(map, name) ? map[name] : undefined);

/**
 * SLIPWAY_CONFIG contract:
 * {
 *   "namespace": "Slipway/Delivery",
 *   "pipelines": { "<pipeline>": { "service": "orders",
 *                                  "stages": { "<stage>": "<environment>" },
 *                                  "productionEnvironment": "prod" } },
 *   "deploymentGroups": { "<deployment group>": { "pipeline": "<pipeline>", "environment": "<env>" } }
 * }
 * Accepts the JSON text or an already parsed object; throws when unusable.
 */
function parseConfig(input) {
  if (input === undefined || input === null || input === '') throw new Error('SLIPWAY_CONFIG is not set');
  const raw = typeof input === 'string' ? JSON.parse(input) : input;
  if (!isObject(raw)) throw new Error('SLIPWAY_CONFIG must be a JSON object');
  return {
    namespace: typeof raw.namespace === 'string' && raw.namespace ? raw.namespace : DEFAULT_NAMESPACE,
    pipelines: isObject(raw.pipelines) ? raw.pipelines : {},
    deploymentGroups: isObject(raw.deploymentGroups) ? raw.deploymentGroups : {},
  };
}

function requiredString(detail, field) {
  const value = detail[field];
  if (typeof value !== 'string' || value === '') throw new MalformedEvent(`detail.${field} is missing`);
  return value;
}

/** ISO-8601 text -> epoch ms, or undefined. */
function parseTime(value) {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Normalizes an EventBridge event into the few fields we use; throws MalformedEvent.
 * Returns { unsupported: true } for other detail-types.
 */
function parseEvent(event) {
  if (!isObject(event) || !isObject(event.detail)) throw new MalformedEvent('event.detail is missing');
  const type = event['detail-type'];
  const time = parseTime(event.time);
  if (time === undefined) throw new MalformedEvent('event.time is missing or invalid');
  const d = event.detail;

  switch (type) {
    case PIPELINE_EVENT:
      return {
        type, time,
        pipeline: requiredString(d, 'pipeline'),
        executionId: requiredString(d, 'execution-id'),
        state: requiredString(d, 'state'),
        // Execution start; absent in older events (the early documented examples lack it).
        startTime: parseTime(d['start-time']),
        // Incremented when a failed stage is retried (RESUMED); same execution-id.
        attempt: d['pipeline-execution-attempt'],
      };
    case ACTION_EVENT:
      return {
        type, time,
        pipeline: requiredString(d, 'pipeline'),
        executionId: requiredString(d, 'execution-id'),
        stage: requiredString(d, 'stage'),
        action: requiredString(d, 'action'),
        state: requiredString(d, 'state'),
        category: isObject(d.type) ? d.type.category : undefined,
        provider: isObject(d.type) ? d.type.provider : undefined,
        // A retried action runs again under the same execution-id with a new
        // action-execution-id (absent in older events).
        actionExecutionId: d['action-execution-id'],
      };
    case CODEDEPLOY_EVENT:
      return {
        type, time,
        deploymentGroup: requiredString(d, 'deploymentGroup'),
        deploymentId: requiredString(d, 'deploymentId'),
        state: requiredString(d, 'state'),
      };
    default:
      return { type: typeof type === 'string' ? type : undefined, time, unsupported: true };
  }
}

/**
 * Idempotency key: (detail-type, execution-id | deploymentId, stage, action, state),
 * plus the attempt discriminator when present, so a retried stage/action that ends
 * in the same state again is a new outcome, while a redelivery is a duplicate.
 */
function idempotencyKey(e) {
  const id = e.executionId ?? e.deploymentId;
  const attempt = e.actionExecutionId ?? e.attempt;
  return ['seen', e.type, id, e.stage, e.action, e.state, attempt].map((p) => (p === undefined ? '' : String(p))).join('#');
}

/** Decides whether an event is ours; returns { ignore: reason } or routing data. */
function route(e, config) {
  if (e.unsupported) return { ignore: 'unsupported-event' };
  if (e.type === CODEDEPLOY_EVENT) {
    const target = lookup(config.deploymentGroups, e.deploymentGroup);
    if (!isObject(target) || !target.pipeline || !target.environment) return { ignore: 'unknown-deployment-group' };
    if (!CODEDEPLOY_OUTCOMES[e.state]) return { ignore: 'untracked-state' };
    return { pipeline: String(target.pipeline), environment: String(target.environment) };
  }
  const pipeline = lookup(config.pipelines, e.pipeline);
  if (!isObject(pipeline)) return { ignore: 'unknown-pipeline' };
  if (e.type === PIPELINE_EVENT) return {};
  if (e.category !== DEPLOY_CATEGORY || e.provider !== DEPLOY_PROVIDER) return { ignore: 'not-a-deploy-action' };
  const environment = lookup(pipeline.stages, e.stage);
  if (typeof environment !== 'string' || !environment) return { ignore: 'unknown-stage' };
  if (!ACTION_STATES.has(e.state)) return { ignore: 'untracked-state' };
  return { environment, production: environment === pipeline.productionEnvironment };
}

/**
 * One EMF document (one log line) for one metric. Dimension values are root members
 * with string values; the metric value is a numeric root member; Timestamp is epoch ms.
 */
function emfDocument(namespace, { name, unit, value, dimensions, timestamp }) {
  return {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [{
        Namespace: namespace,
        Dimensions: [Object.keys(dimensions)],
        Metrics: [{ Name: name, Unit: unit }],
      }],
    },
    ...dimensions,
    [name]: value,
  };
}

// ---- state keys --------------------------------------------------------------

const executionKeys = (pipeline, executionId) => {
  const base = `exec#${pipeline}#${executionId}`;
  return { start: `${base}#start`, end: `${base}#end`, productionSuccess: `${base}#prod-success` };
};
const actionKeys = (e) => {
  const base = `action#${e.pipeline}#${e.executionId}#${e.stage}#${e.action}#${e.actionExecutionId ?? ''}`;
  return { start: `${base}#start`, end: `${base}#end` };
};
const incidentKey = (pipeline) => `incident#${pipeline}`;
const lastProductionSuccessKey = (pipeline) => `last-prod-success#${pipeline}`;

// ---- one invocation ----------------------------------------------------------

function createRun(store) {
  const run = {
    store,
    metrics: [],
    claims: [],
    count(name, dimensions, timestamp) {
      run.metrics.push({ name, unit: 'Count', value: 1, dimensions, timestamp });
    },
    /** interval: { ms, end } or undefined when not (yet) computable. */
    duration(name, interval, dimensions) {
      if (interval) run.metrics.push({ name, unit: 'Milliseconds', value: interval.ms, dimensions, timestamp: interval.end });
    },
    async claim(key, ttlSeconds = STATE_TTL_SECONDS) {
      const won = await store.putIfAbsent(key, { claimed: true }, ttlSeconds);
      if (won) run.claims.push(key);
      return won;
    },
  };
  return run;
}

// Intervals (start -> end) whose two events may arrive in either order, or
// concurrently: each side first writes its own timestamp, then reads the other,
// so at least one of them sees both; the claim makes sure only one emits.
async function completeOnce(run, claimKey, start, end) {
  if (!(end >= start)) return undefined; // never emit a negative duration
  return (await run.claim(claimKey)) ? { ms: end - start, end } : undefined;
}
async function recordStart(run, startKey, start) {
  await run.store.put(startKey, { t: start }, STATE_TTL_SECONDS);
}
async function completePendingEnd(run, endKey, start) {
  const end = await run.store.get(endKey);
  return end ? completeOnce(run, end.claim, start, end.t) : undefined;
}
async function recordEnd(run, startKey, endKey, end, claimKey) {
  await run.store.put(endKey, { t: end, claim: claimKey }, STATE_TTL_SECONDS);
  const start = await run.store.get(startKey);
  return start ? completeOnce(run, claimKey, start.t, end) : undefined;
}

async function onPipelineEvent(run, e, seenKey) {
  const dims = { Pipeline: e.pipeline };
  const keys = executionKeys(e.pipeline, e.executionId);
  // Execution start: `start-time` when the event carries it, else the STARTED
  // event's own time (older events have no start-time).
  const start = e.startTime ?? (e.state === 'STARTED' ? e.time : undefined);
  if (start !== undefined) {
    await recordStart(run, keys.start, start);
    // Ends that arrived before we knew the start.
    run.duration('PipelineExecutionDuration', await completePendingEnd(run, keys.end, start), dims);
    run.duration('LeadTimeForChanges', await completePendingEnd(run, keys.productionSuccess, start), dims);
  }
  const outcome = PIPELINE_OUTCOMES[e.state];
  if (!outcome) return; // STARTED, STOPPING, RESUMED
  run.count(outcome, dims, e.time);
  run.duration('PipelineExecutionDuration', await recordEnd(run, keys.start, keys.end, e.time, `duration#${seenKey}`), dims);
}

async function onDeployAction(run, e, seenKey, { environment, production }) {
  const dims = { Pipeline: e.pipeline, Environment: environment };
  const keys = actionKeys(e);
  if (e.state === 'STARTED') {
    await recordStart(run, keys.start, e.time);
    run.duration('DeploymentDuration', await completePendingEnd(run, keys.end, e.time), dims);
    return;
  }
  run.duration('DeploymentDuration', await recordEnd(run, keys.start, keys.end, e.time, `duration#${seenKey}`), dims);
  if (e.state === 'SUCCEEDED') {
    run.count('DeploymentSucceeded', dims, e.time);
  } else {
    run.count('DeploymentFailed', dims, e.time);
    // Slipway deployment groups always enable auto-rollback on failure, so a failed
    // CodeDeployToECS action means CodeDeploy rolled traffic back to the blue tasks.
    run.count('DeploymentRolledBack', dims, e.time);
  }
  if (production) await onProductionDeployment(run, e, seenKey);
}

/** DORA metrics, dimension Pipeline only, from the production deploy action outcome. */
async function onProductionDeployment(run, e, seenKey) {
  const dims = { Pipeline: e.pipeline };
  const incident = incidentKey(e.pipeline);
  const lastSuccess = lastProductionSuccessKey(e.pipeline);
  // Change failure rate = SUM(ChangeFailure) / SUM(ProductionDeployments) (metric math).
  run.count('ProductionDeployments', dims, e.time);

  if (e.state === 'FAILED') {
    run.count('ChangeFailure', dims, e.time);
    // A failure delivered after a later success was already restored: no incident.
    const last = await run.store.get(lastSuccess);
    if (last && last.t >= e.time) return;
    // Open the incident at the first failure; repeated failures don't move it later.
    const open = await run.store.get(incident);
    if (!open || e.time < open.t) await run.store.put(incident, { t: e.time }, INCIDENT_TTL_SECONDS);
    return;
  }

  run.count('DeploymentFrequency', dims, e.time);
  // Lead time: pipeline execution start -> production deploy success. V2 pipelines
  // start an execution on push, so the execution start approximates "commit entered
  // the pipeline" (it excludes time the change spent before the push/merge).
  const keys = executionKeys(e.pipeline, e.executionId);
  run.duration('LeadTimeForChanges', await recordEnd(run, keys.start, keys.productionSuccess, e.time, `lead#${seenKey}`), dims);

  const last = await run.store.get(lastSuccess);
  if (!last || e.time > last.t) await run.store.put(lastSuccess, { t: e.time }, INCIDENT_TTL_SECONDS);
  const open = await run.store.get(incident);
  if (open && open.t <= e.time) {
    await run.store.delete(incident);
    run.duration('TimeToRestore', { ms: e.time - open.t, end: e.time }, dims);
  }
}

async function onCodeDeployEvent(run, e, seenKey, { pipeline, environment }) {
  run.count(CODEDEPLOY_OUTCOMES[e.state], { Pipeline: pipeline, Environment: environment }, e.time);
}

const PROCESSORS = {
  [PIPELINE_EVENT]: onPipelineEvent,
  [ACTION_EVENT]: onDeployAction,
  [CODEDEPLOY_EVENT]: onCodeDeployEvent,
};

// ---- handler -------------------------------------------------------------------

/**
 * Writes one line to stdout. process.stdout (not console.log) so the Lambda runtime
 * neither prefixes the line nor wraps it when the function uses the JSON log format;
 * EMF needs the log event to be the JSON document.
 */
const writeLine = (line) => {
  process.stdout.write(`${line}\n`);
};

/**
 * createHandler({ store, config, now, log }) -> async (event) => summary
 *   store  : state store (see store.js)
 *   config : SLIPWAY_CONFIG text or object
 *   now    : clock (ms) used in notices
 *   log    : line writer; receives EMF documents and one-line JSON notices
 * Unknown, unsupported and malformed events log a notice and emit nothing; the
 * handler only throws when the state store fails, after releasing its claims, so
 * the Lambda asynchronous retry can process the event again.
 */
function createHandler({ store, config, now = Date.now, log = writeLine } = {}) {
  let cfg;
  let configError;
  try {
    cfg = parseConfig(config);
  } catch (err) {
    configError = err.message;
  }

  const notice = (reason, extra = {}) =>
    log(JSON.stringify({ level: 'NOTICE', at: new Date(now()).toISOString(), reason, ...extra }));

  return async function handler(event) {
    if (configError) {
      notice('invalid-config', { error: configError });
      return { status: 'ignored', reason: 'invalid-config' };
    }
    let e;
    try {
      e = parseEvent(event);
    } catch (err) {
      if (!(err instanceof MalformedEvent)) throw err;
      notice('malformed-event', { error: err.message, id: isObject(event) ? event.id : undefined });
      return { status: 'ignored', reason: 'malformed-event' };
    }
    const context = {
      id: event.id, detailType: e.type, pipeline: e.pipeline, stage: e.stage, action: e.action,
      deploymentGroup: e.deploymentGroup, state: e.state,
    };
    const target = route(e, cfg);
    if (target.ignore) {
      notice(target.ignore, context);
      return { status: 'ignored', reason: target.ignore };
    }

    const seenKey = idempotencyKey(e);
    const run = createRun(store);
    if (!(await run.claim(seenKey))) {
      notice('duplicate-event', context);
      return { status: 'duplicate' };
    }
    try {
      await PROCESSORS[e.type](run, e, seenKey, target);
    } catch (err) {
      await Promise.allSettled(run.claims.map((k) => store.delete(k)));
      throw err;
    }
    // Emit only after all state work succeeded, so a retry never double counts.
    for (const metric of run.metrics) log(JSON.stringify(emfDocument(cfg.namespace, metric)));
    return { status: 'processed', metrics: run.metrics.map((m) => m.name) };
  };
}

// Lambda entry point: config and DynamoDB store from the environment, built on first use.
let lambdaHandler;
async function handler(event) {
  if (!lambdaHandler) {
    const tableName = process.env.SLIPWAY_STATE_TABLE;
    if (!tableName) {
      writeLine(JSON.stringify({ level: 'ERROR', reason: 'missing-state-table', error: 'SLIPWAY_STATE_TABLE is not set' }));
      return { status: 'ignored', reason: 'missing-state-table' };
    }
    lambdaHandler = createHandler({ config: process.env.SLIPWAY_CONFIG, store: createDynamoStore({ tableName }) });
  }
  return lambdaHandler(event);
}

module.exports = {
  handler,
  createHandler,
  parseConfig,
  parseEvent,
  route,
  idempotencyKey,
  emfDocument,
  PIPELINE_EVENT,
  ACTION_EVENT,
  CODEDEPLOY_EVENT,
  STATE_TTL_SECONDS,
};
