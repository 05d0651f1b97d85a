'use strict';
/*
 * Slipway traffic gate: the CodeDeploy AfterAllowTestTraffic hook of one environment.
 *
 * CodeDeploy has started the replacement (green) task set and pointed the test listener at it;
 * production traffic still goes to the original (blue) tasks. CodeDeploy invokes this function
 * with { DeploymentId, LifecycleEventHookExecutionId } and waits until someone reports the hook's
 * status with PutLifecycleEventHookExecutionStatus (Succeeded: traffic shifts; Failed: the
 * deployment rolls back and no production request reaches green).
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#appspec-hooks-ecs
 *
 * Three kinds of invocation:
 *  1. The hook. With no integration tests (TEST_COMMAND empty) the function runs the smoke test
 *     itself: GET TEST_URL + HEALTH_CHECK_PATH up to SMOKE_ATTEMPTS times, Succeeded on the first
 *     200, Failed otherwise. With integration tests it starts one Fargate task from the green task
 *     set's task definition with the test command, TEST_URL and SERVICE_URL, and returns: the
 *     hook's execution id travels with the task as a container environment override
 *     (SLIPWAY_HOOK_EXECUTION_ID; overrides may hold 8192 characters, a tag value only 256), so
 *     no store is needed and ECS keeps it for as long as it keeps the task.
 *  2. "ECS Task State Change" (EventBridge, lastStatus STOPPED, startedBy STARTED_BY): the test task
 *     stopped. Exit code 0 of the test container reports Succeeded, anything else Failed.
 *  3. "Scheduled Event" (EventBridge, every minute): a test task still running TIMEOUT_MINUTES after
 *     it was created is stopped and the hook reported Failed. CodeDeploy itself fails a hook that
 *     nobody reports within an hour; TIMEOUT_MINUTES is validated to leave room below that.
 *
 * Every failure is also published to NOTIFY_TOPIC_ARN (the environment's alarm topic) with a link
 * to the test task's log stream (or to this function's log group for the smoke test).
 *
 * Environment: CLUSTER, SERVICE, CONTAINER_NAME, SUBNETS (comma-separated), SECURITY_GROUPS
 * (comma-separated), TEST_URL, SERVICE_URL, HEALTH_CHECK_PATH, TEST_COMMAND (JSON array or ""),
 * TIMEOUT_MINUTES, LOG_GROUP, LOG_STREAM_PREFIX, GATE_LOG_GROUP, NOTIFY_TOPIC_ARN, AWS_REGION,
 * SMOKE_ATTEMPTS (default 5), SMOKE_INTERVAL_SECONDS (default 5).
 */

const STARTED_BY = 'slipway-traffic-gate';
const TIMEOUT_REASON = 'Slipway traffic gate: integration tests timed out';
const HOOK_ID_VARIABLE = 'SLIPWAY_HOOK_EXECUTION_ID';
const DEPLOYMENT_ID_VARIABLE = 'SLIPWAY_DEPLOYMENT_ID';

function readConfig(env) {
  const list = (value) => String(value || '').split(',').map((s) => s.trim()).filter(Boolean);
  const command = env.TEST_COMMAND ? JSON.parse(env.TEST_COMMAND) : null;
  if (command !== null && (!Array.isArray(command) || command.length === 0)) throw new Error('TEST_COMMAND must be a JSON array of strings or empty');
  return {
    cluster: required(env, 'CLUSTER'),
    service: required(env, 'SERVICE'),
    containerName: required(env, 'CONTAINER_NAME'),
    subnets: list(env.SUBNETS),
    securityGroups: list(env.SECURITY_GROUPS),
    testUrl: required(env, 'TEST_URL'),
    serviceUrl: env.SERVICE_URL || '',
    healthCheckPath: env.HEALTH_CHECK_PATH || '/',
    command,
    timeoutMinutes: Number(env.TIMEOUT_MINUTES || 15),
    logGroup: env.LOG_GROUP || '',
    logStreamPrefix: env.LOG_STREAM_PREFIX || 'ecs',
    gateLogGroup: env.GATE_LOG_GROUP || '',
    topicArn: env.NOTIFY_TOPIC_ARN || '',
    region: env.AWS_REGION || 'us-east-1',
    smokeAttempts: Number(env.SMOKE_ATTEMPTS || 5),
    smokeIntervalSeconds: Number(env.SMOKE_INTERVAL_SECONDS || 5),
  };
}

function required(env, name) {
  if (!env[name]) throw new Error(`environment variable ${name} is required`);
  return env[name];
}

/** The CloudWatch console's fragment encoding: URL-encode twice, then % becomes $. */
const consoleEscape = (s) => encodeURIComponent(encodeURIComponent(s)).replace(/%/g, '$');

function logStreamLink(region, group, stream) {
  const base = `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${consoleEscape(group)}`;
  return stream ? `${base}/log-events/${consoleEscape(stream)}` : base;
}

function deploymentLink(region, deploymentId) {
  return `https://${region}.console.aws.amazon.com/codesuite/codedeploy/deployments/${encodeURIComponent(deploymentId)}?region=${region}`;
}

function overrideEnvironment(task, containerName) {
  const overrides = (task && task.overrides && task.overrides.containerOverrides) || [];
  const mine = overrides.find((o) => o.name === containerName) || {};
  return Object.fromEntries((mine.environment || []).map((e) => [e.name, e.value]));
}

/** Default HTTP GET: status code only, no body kept; certificates are not checked (see below). */
function defaultHttpGet(url, timeoutMs) {
  const { request } = url.startsWith('https:') ? require('node:https') : require('node:http');
  return new Promise((resolve, reject) => {
    // The test listener serves the certificate of the service's own domain, not of the load
    // balancer's DNS name the URL uses, so its name cannot match; the request carries nothing
    // secret and only the status code is read.
    const req = request(url, { method: 'GET', timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve({ status: res.statusCode });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

function defaultClients() {
  let ecs; let codedeploy; let sns;
  return {
    get ecs() { if (!ecs) { const { ECS } = require('@aws-sdk/client-ecs'); ecs = new ECS({}); } return ecs; },
    get codedeploy() { if (!codedeploy) { const { CodeDeploy } = require('@aws-sdk/client-codedeploy'); codedeploy = new CodeDeploy({}); } return codedeploy; },
    get sns() { if (!sns) { const { SNS } = require('@aws-sdk/client-sns'); sns = new SNS({}); } return sns; },
  };
}

/**
 * Builds the handler. `clients` holds aggregated SDK v3 clients (ecs, codedeploy, sns) or fakes
 * with the same methods; everything else is injectable for tests.
 */
function createHandler({
  clients = defaultClients(),
  env = process.env,
  now = Date.now,
  sleep = (ms) => new Promise((r) => setTimeout(r, ms)),
  httpGet = defaultHttpGet,
  log = (line) => console.log(line),
} = {}) {
  const config = readConfig(env);
  const say = (message, fields = {}) => log(JSON.stringify({ message, ...fields }));

  async function report(deploymentId, hookExecutionId, status, why) {
    say(`reporting ${status} for AfterAllowTestTraffic of ${deploymentId}`, { deploymentId, status, why });
    try {
      await clients.codedeploy.putLifecycleEventHookExecutionStatus({ deploymentId, lifecycleEventHookExecutionId: hookExecutionId, status });
    } catch (err) {
      // A second report of the same hook (the timeout sweep, then the task's STOPPED event) is
      // refused with this error; the first one stands.
      if (err && err.name === 'LifecycleEventAlreadyCompletedException') {
        say('the hook was already reported', { deploymentId });
        return;
      }
      throw err;
    }
  }

  async function notify(deploymentId, reason, logLink) {
    if (!config.topicArn) return;
    const lines = [
      `The tests of CodeDeploy deployment ${deploymentId} (service ${config.service}) failed before any production traffic reached the new tasks: ${reason}.`,
      'CodeDeploy rolls the deployment back; production keeps the previous tasks.',
      `Test output: ${logLink}`,
      `Deployment: ${deploymentLink(config.region, deploymentId)}`,
    ];
    try {
      await clients.sns.publish({
        TopicArn: config.topicArn,
        Subject: `Tests failed before traffic shift: ${config.service}`.slice(0, 100),
        Message: lines.join('\n'),
      });
    } catch (err) {
      // The hook's status matters more than the email: never fail the report over it.
      say('could not publish the failure notification', { error: String(err && err.message) });
    }
  }

  const taskLogLink = (taskArn) =>
    logStreamLink(config.region, config.logGroup, `${config.logStreamPrefix}/${config.containerName}/${String(taskArn).split('/').pop()}`);

  async function stop(taskArn, reason) {
    try {
      await clients.ecs.stopTask({ cluster: config.cluster, task: taskArn, reason });
    } catch (err) {
      say('could not stop the test task', { taskArn, error: String(err && err.message) });
    }
  }

  async function gateTasks(desiredStatus) {
    const listed = await clients.ecs.listTasks({ cluster: config.cluster, startedBy: STARTED_BY, desiredStatus });
    const arns = (listed && listed.taskArns) || [];
    if (arns.length === 0) return [];
    const described = await clients.ecs.describeTasks({ cluster: config.cluster, tasks: arns });
    return (described && described.tasks) || [];
  }

  async function greenTaskDefinition() {
    const out = await clients.ecs.describeServices({ cluster: config.cluster, services: [config.service] });
    const service = ((out && out.services) || [])[0];
    if (!service) throw new Error(`service ${config.service} not found in cluster ${config.cluster}`);
    // Under CODE_DEPLOY the original task set is PRIMARY and the replacement ACTIVE until
    // traffic is rerouted: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_TaskSet.html
    const green = (service.taskSets || []).filter((t) => t.status === 'ACTIVE')
      .sort((a, b) => Date.parse(b.createdAt || 0) - Date.parse(a.createdAt || 0))[0];
    if (!green) throw new Error(`service ${config.service} has no replacement (ACTIVE) task set`);
    return green.taskDefinition;
  }

  async function smokeTest(deploymentId, hookExecutionId) {
    const url = config.testUrl.replace(/\/$/, '') + (config.healthCheckPath.startsWith('/') ? '' : '/') + config.healthCheckPath;
    const seen = [];
    for (let attempt = 1; attempt <= config.smokeAttempts; attempt++) {
      try {
        const { status } = await httpGet(url, 5000);
        seen.push(String(status));
        say(`smoke test ${attempt}/${config.smokeAttempts}: GET ${url} -> ${status}`);
        if (status === 200) return report(deploymentId, hookExecutionId, 'Succeeded', `GET ${url} answered 200`);
      } catch (err) {
        seen.push(String(err && err.message));
        say(`smoke test ${attempt}/${config.smokeAttempts}: GET ${url} failed`, { error: String(err && err.message) });
      }
      if (attempt < config.smokeAttempts) await sleep(config.smokeIntervalSeconds * 1000);
    }
    const reason = `GET ${url} through the test listener never answered 200 in ${config.smokeAttempts} tries (${seen.join(', ')})`;
    await report(deploymentId, hookExecutionId, 'Failed', reason);
    await notify(deploymentId, reason, logStreamLink(config.region, config.gateLogGroup));
  }

  async function onHook(deploymentId, hookExecutionId) {
    if (!config.command) return smokeTest(deploymentId, hookExecutionId);

    // CodeDeploy or Lambda may deliver the same invocation twice: one test task per hook.
    const running = await gateTasks('RUNNING');
    if (running.some((t) => overrideEnvironment(t, config.containerName)[HOOK_ID_VARIABLE] === hookExecutionId)) {
      say('a test task already runs for this hook execution', { deploymentId });
      return;
    }
    let taskArn;
    try {
      const taskDefinition = await greenTaskDefinition();
      const result = await clients.ecs.runTask({
        cluster: config.cluster,
        taskDefinition,
        launchType: 'FARGATE',
        count: 1,
        startedBy: STARTED_BY,
        networkConfiguration: { awsvpcConfiguration: { subnets: config.subnets, securityGroups: config.securityGroups, assignPublicIp: 'DISABLED' } },
        overrides: {
          containerOverrides: [{
            name: config.containerName,
            command: config.command,
            environment: [
              { name: 'TEST_URL', value: config.testUrl },
              { name: 'SERVICE_URL', value: config.serviceUrl },
              { name: DEPLOYMENT_ID_VARIABLE, value: deploymentId },
              { name: HOOK_ID_VARIABLE, value: hookExecutionId },
            ],
          }],
        },
      });
      const task = ((result && result.tasks) || [])[0];
      taskArn = task && task.taskArn;
      const failures = ((result && result.failures) || []).map((f) => [f.reason, f.detail, f.arn].filter(Boolean).join(' '));
      if (!taskArn || failures.length) throw new Error(`the test task did not start: ${failures.join('; ') || 'no task and no failure reported'}`);
    } catch (err) {
      if (taskArn) await stop(taskArn, 'Slipway traffic gate: the test task could not be watched');
      const reason = String(err && err.message);
      await report(deploymentId, hookExecutionId, 'Failed', reason);
      await notify(deploymentId, reason, taskArn ? taskLogLink(taskArn) : logStreamLink(config.region, config.gateLogGroup));
      return;
    }
    say('started the test task', { deploymentId, taskArn, timeoutMinutes: config.timeoutMinutes });
  }

  async function onTaskStopped(task) {
    if (task.lastStatus !== 'STOPPED' || task.startedBy !== STARTED_BY) return;
    let variables = overrideEnvironment(task, config.containerName);
    if (!variables[HOOK_ID_VARIABLE]) {
      // The event normally carries the task's overrides; read them from ECS when it does not.
      const described = await clients.ecs.describeTasks({ cluster: config.cluster, tasks: [task.taskArn] });
      variables = overrideEnvironment(((described && described.tasks) || [])[0], config.containerName);
    }
    const hookExecutionId = variables[HOOK_ID_VARIABLE];
    const deploymentId = variables[DEPLOYMENT_ID_VARIABLE];
    if (!hookExecutionId || !deploymentId) {
      say('a stopped gate task carries no hook execution id', { taskArn: task.taskArn });
      return;
    }
    const container = (task.containers || []).find((c) => c.name === config.containerName) || {};
    const timedOut = String(task.stoppedReason || '').startsWith(TIMEOUT_REASON);
    if (container.exitCode === 0 && !timedOut) {
      await report(deploymentId, hookExecutionId, 'Succeeded', `the test container exited with code 0 (task ${task.taskArn})`);
      return;
    }
    const reason = container.exitCode === undefined || container.exitCode === null
      ? `the test task stopped without running to completion (${[task.stopCode, task.stoppedReason, container.reason].filter(Boolean).join(': ')})`
      : `the test container exited with code ${container.exitCode}`;
    await report(deploymentId, hookExecutionId, 'Failed', reason);
    // The timeout sweep has notified already.
    if (!timedOut) await notify(deploymentId, reason, taskLogLink(task.taskArn));
  }

  async function onSchedule() {
    const limitMs = config.timeoutMinutes * 60 * 1000;
    for (const task of await gateTasks('RUNNING')) {
      const started = Date.parse(task.createdAt);
      if (!(now() - started >= limitMs)) continue;
      const variables = overrideEnvironment(task, config.containerName);
      const reason = `${TIMEOUT_REASON} after ${config.timeoutMinutes} minutes`;
      await stop(task.taskArn, reason);
      if (variables[HOOK_ID_VARIABLE] && variables[DEPLOYMENT_ID_VARIABLE]) {
        await report(variables[DEPLOYMENT_ID_VARIABLE], variables[HOOK_ID_VARIABLE], 'Failed', reason);
        await notify(variables[DEPLOYMENT_ID_VARIABLE], `the integration tests did not finish within ${config.timeoutMinutes} minutes; the test task was stopped`, taskLogLink(task.taskArn));
      }
    }
  }

  return async function handler(event) {
    if (event && event.DeploymentId && event.LifecycleEventHookExecutionId) {
      try {
        return await onHook(event.DeploymentId, event.LifecycleEventHookExecutionId);
      } catch (err) {
        // Anything unexpected fails the hook now rather than after CodeDeploy's hour.
        const reason = `the traffic gate failed: ${String(err && err.message)}`;
        await report(event.DeploymentId, event.LifecycleEventHookExecutionId, 'Failed', reason);
        await notify(event.DeploymentId, reason, logStreamLink(config.region, config.gateLogGroup));
        return undefined;
      }
    }
    if (event && event.source === 'aws.ecs' && event['detail-type'] === 'ECS Task State Change') {
      return onTaskStopped(event.detail || {});
    }
    if (event && event.source === 'aws.events' && event['detail-type'] === 'Scheduled Event') {
      return onSchedule();
    }
    say('ignored an event of unknown shape', { keys: Object.keys(event || {}) });
    return undefined;
  };
}

let cached;
exports.handler = async (event) => {
  if (!cached) cached = createHandler();
  return cached(event);
};

module.exports.createHandler = createHandler;
module.exports.readConfig = readConfig;
module.exports.logStreamLink = logStreamLink;
module.exports.STARTED_BY = STARTED_BY;
module.exports.TIMEOUT_REASON = TIMEOUT_REASON;
module.exports.HOOK_ID_VARIABLE = HOOK_ID_VARIABLE;
