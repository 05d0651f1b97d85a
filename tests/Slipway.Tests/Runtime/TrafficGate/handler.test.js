'use strict';
// node --test --test-reporter=tap 'tests/Slipway.Tests/Runtime/TrafficGate/*.test.js'
// The traffic gate (src/Slipway/Runtime/TrafficGate/index.js) on recorded CodeDeploy hook
// invocations and ECS Task State Change events, with the AWS SDK faked at the client boundary:
// every test asserts what was reported to CodeDeploy and that no test task is left running.
const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const SRC = path.resolve(__dirname, '../../../../src/Slipway/Runtime/TrafficGate');
const gate = require(path.join(SRC, 'index.js'));
const { createHandler, STARTED_BY, HOOK_ID_VARIABLE, logStreamLink } = gate;

const EVENTS = path.join(__dirname, 'events');
const load = (name) => JSON.parse(fs.readFileSync(path.join(EVENTS, `${name}.json`), 'utf8'));

const HOOK = load('codedeploy-01-after-allow-test-traffic');
const RECORDED_TASK = load('ecs-01-test-task-exit-0').detail.taskArn;
const CLUSTER = 'orders-dev-cluster';
const GREEN_TASKDEF = 'arn:aws:ecs:us-east-1:111111111111:task-definition/orders-dev-task:7';
const BLUE_TASKDEF = 'arn:aws:ecs:us-east-1:111111111111:task-definition/orders-dev-task:6';
const CREATED = Date.parse('2026-05-03T13:01:02.121Z');

const ENV = {
  CLUSTER,
  SERVICE: 'orders-dev-service',
  CONTAINER_NAME: 'app',
  SUBNETS: 'subnet-0a1b2c3d4e5f60001,subnet-0a1b2c3d4e5f60002',
  SECURITY_GROUPS: 'sg-0123456789abcdef0',
  TEST_URL: 'http://orders-dev-alb-123456789.us-east-1.elb.amazonaws.com:9000',
  SERVICE_URL: 'http://orders-dev-alb-123456789.us-east-1.elb.amazonaws.com',
  HEALTH_CHECK_PATH: '/health',
  TEST_COMMAND: JSON.stringify(['python', 'integration/run_integration.py']),
  TIMEOUT_MINUTES: '15',
  LOG_GROUP: '/orders/dev/service',
  LOG_STREAM_PREFIX: 'app',
  GATE_LOG_GROUP: '/orders/dev/traffic-gate',
  NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:111111111111:orders-dev-alarms',
  AWS_REGION: 'us-east-1',
};

/** Fake ECS / CodeDeploy / SNS clients holding state the way the services do. */
function fakeAws({ runTaskFailures = null, runTaskThrows = null, taskSets } = {}) {
  const calls = [];
  const tasks = new Map();
  const statuses = [];
  const published = [];
  const record = (name, input) => calls.push({ name, input: structuredClone(input) });
  const ecs = {
    async describeServices(input) {
      record('ecs.describeServices', input);
      return {
        services: [{
          serviceName: ENV.SERVICE,
          taskSets: taskSets || [
            { id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: BLUE_TASKDEF, createdAt: '2026-04-30T08:00:00Z' },
            { id: 'ecs-svc/2', status: 'ACTIVE', taskDefinition: GREEN_TASKDEF, createdAt: '2026-05-03T12:58:00Z' },
          ],
        }],
      };
    },
    async runTask(input) {
      record('ecs.runTask', input);
      if (runTaskThrows) throw runTaskThrows;
      if (runTaskFailures) return { tasks: [], failures: runTaskFailures };
      const task = {
        taskArn: RECORDED_TASK, lastStatus: 'PROVISIONING', desiredStatus: 'RUNNING', startedBy: input.startedBy,
        createdAt: new Date(CREATED).toISOString(), overrides: input.overrides, taskDefinitionArn: input.taskDefinition,
      };
      tasks.set(task.taskArn, task);
      return { tasks: [task], failures: [] };
    },
    async listTasks(input) {
      record('ecs.listTasks', input);
      const arns = [...tasks.values()].filter((t) => t.startedBy === input.startedBy
        && (input.desiredStatus === 'STOPPED' ? t.desiredStatus === 'STOPPED' : t.desiredStatus === 'RUNNING')).map((t) => t.taskArn);
      return { taskArns: arns };
    },
    async describeTasks(input) {
      record('ecs.describeTasks', input);
      return { tasks: input.tasks.map((a) => tasks.get(a)).filter(Boolean), failures: [] };
    },
    async stopTask(input) {
      record('ecs.stopTask', input);
      const t = tasks.get(input.task);
      if (t) Object.assign(t, { desiredStatus: 'STOPPED', lastStatus: 'STOPPED', stoppedReason: input.reason });
      return { task: t };
    },
  };
  const codedeploy = {
    async putLifecycleEventHookExecutionStatus(input) {
      record('codedeploy.putLifecycleEventHookExecutionStatus', input);
      if (statuses.some((s) => s.lifecycleEventHookExecutionId === input.lifecycleEventHookExecutionId)) {
        const err = new Error('The lifecycle event is already completed');
        err.name = 'LifecycleEventAlreadyCompletedException';
        throw err;
      }
      statuses.push(input);
      return { lifecycleEventHookExecutionId: input.lifecycleEventHookExecutionId };
    },
  };
  const sns = { async publish(input) { record('sns.publish', input); published.push(input); return { MessageId: '1' }; } };
  return {
    clients: { ecs, codedeploy, sns },
    calls,
    statuses,
    published,
    tasks,
    running: () => [...tasks.values()].filter((t) => t.lastStatus !== 'STOPPED'),
    /** ECS stops the task by itself (its container exited or never started). */
    ecsStops(taskArn) { Object.assign(tasks.get(taskArn), { desiredStatus: 'STOPPED', lastStatus: 'STOPPED' }); },
  };
}

function harness({ env = ENV, at = CREATED + 60_000, httpGet, ...aws } = {}) {
  const fake = fakeAws(aws);
  const lines = [];
  let clock = at;
  const handler = createHandler({ clients: fake.clients, env, now: () => clock, sleep: async () => {}, httpGet, log: (l) => lines.push(l) });
  return { ...fake, handler, lines, setNow: (t) => { clock = t; } };
}

const reported = (h) => h.statuses.map((s) => ({ deploymentId: s.deploymentId, status: s.status, hook: s.lifecycleEventHookExecutionId }));

describe('integration tests through the AfterAllowTestTraffic hook', () => {
  test('the hook starts one test task from the green task set, in the private subnets, with TEST_URL and SERVICE_URL', async () => {
    const h = harness();
    await h.handler(HOOK);

    const run = h.calls.find((c) => c.name === 'ecs.runTask').input;
    assert.equal(run.taskDefinition, GREEN_TASKDEF, 'the replacement (ACTIVE) task set, never the PRIMARY one');
    assert.equal(run.cluster, CLUSTER);
    assert.equal(run.launchType, 'FARGATE');
    assert.equal(run.startedBy, STARTED_BY);
    assert.deepEqual(run.networkConfiguration.awsvpcConfiguration, {
      subnets: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'], securityGroups: ['sg-0123456789abcdef0'], assignPublicIp: 'DISABLED',
    });
    const [override] = run.overrides.containerOverrides;
    assert.equal(override.name, 'app');
    assert.deepEqual(override.command, ['python', 'integration/run_integration.py']);
    const vars = Object.fromEntries(override.environment.map((e) => [e.name, e.value]));
    assert.equal(vars.TEST_URL, ENV.TEST_URL);
    assert.equal(vars.SERVICE_URL, ENV.SERVICE_URL);
    assert.equal(vars[HOOK_ID_VARIABLE], HOOK.LifecycleEventHookExecutionId);
    assert.equal(vars.SLIPWAY_DEPLOYMENT_ID, HOOK.DeploymentId);
    // The overrides stay below RunTask's 8192-character limit with a real hook id.
    assert.ok(JSON.stringify(run.overrides).length < 8192);
    assert.deepEqual(h.statuses, [], 'nothing is reported until the task stops');
  });

  test('exit code 0: Succeeded, and the task is stopped', async () => {
    const h = harness();
    await h.handler(HOOK);
    h.ecsStops(RECORDED_TASK);
    await h.handler(load('ecs-01-test-task-exit-0'));
    assert.deepEqual(reported(h), [{ deploymentId: 'd-IVHLMXTN9', status: 'Succeeded', hook: HOOK.LifecycleEventHookExecutionId }]);
    assert.deepEqual(h.published, []);
    assert.deepEqual(h.running(), []);
  });

  test('a non-zero exit code: Failed, a notification linking the test task log stream, and the task is stopped', async () => {
    const h = harness();
    await h.handler(HOOK);
    h.ecsStops(RECORDED_TASK);
    await h.handler(load('ecs-02-test-task-exit-1'));
    assert.deepEqual(reported(h), [{ deploymentId: 'd-IVHLMXTN9', status: 'Failed', hook: HOOK.LifecycleEventHookExecutionId }]);
    assert.equal(h.published.length, 1);
    const link = logStreamLink('us-east-1', '/orders/dev/service', 'app/app/c13b4cb40f1f4fe4a2971f76ae5a47ad');
    assert.ok(h.published[0].Message.includes(`Test output: ${link}`), h.published[0].Message);
    assert.ok(h.published[0].Message.includes('exited with code 1'));
    assert.equal(h.published[0].TopicArn, ENV.NOTIFY_TOPIC_ARN);
    assert.ok(h.published[0].Subject.length <= 100);
    assert.deepEqual(h.running(), []);
  });

  test('the task failed to start (image pull): Failed, naming the stop code and reason', async () => {
    const h = harness();
    await h.handler(HOOK);
    h.ecsStops(RECORDED_TASK);
    await h.handler(load('ecs-03-test-task-failed-to-start'));
    assert.deepEqual(reported(h).map((r) => r.status), ['Failed']);
    assert.match(h.published[0].Message, /TaskFailedToStart: CannotPullContainerError/);
    assert.deepEqual(h.running(), []);
  });

  test('RunTask refuses to start the task: Failed at once, nothing left running', async () => {
    const h = harness({ runTaskFailures: [{ arn: 'arn:aws:ecs:us-east-1:111111111111:cluster/orders-dev-cluster', reason: 'RESOURCE:ENI', detail: 'no free addresses in the subnets' }] });
    await h.handler(HOOK);
    assert.deepEqual(reported(h).map((r) => r.status), ['Failed']);
    assert.match(h.published[0].Message, /RESOURCE:ENI/);
    assert.deepEqual(h.running(), []);
  });

  test('RunTask throws (AccessDenied): Failed at once', async () => {
    const err = new Error('User is not authorized to perform: ecs:RunTask');
    err.name = 'AccessDeniedException';
    const h = harness({ runTaskThrows: err });
    await h.handler(HOOK);
    assert.deepEqual(reported(h).map((r) => r.status), ['Failed']);
    assert.deepEqual(h.running(), []);
  });

  test('no replacement task set: Failed without starting a task', async () => {
    const h = harness({ taskSets: [{ id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: BLUE_TASKDEF }] });
    await h.handler(HOOK);
    assert.deepEqual(reported(h).map((r) => r.status), ['Failed']);
    assert.equal(h.calls.filter((c) => c.name === 'ecs.runTask').length, 0);
  });

  test('timeout: the sweep stops the task after timeoutMinutes and reports Failed; its STOPPED event changes nothing', async () => {
    const h = harness();
    await h.handler(HOOK);
    // Before the deadline the sweep leaves the task alone.
    h.setNow(CREATED + 14 * 60_000);
    await h.handler(load('schedule-01-sweep'));
    assert.equal(h.running().length, 1);
    assert.deepEqual(h.statuses, []);
    // At the deadline it stops the task and reports.
    h.setNow(CREATED + 15 * 60_000 + 1);
    await h.handler(load('schedule-01-sweep'));
    const stop = h.calls.find((c) => c.name === 'ecs.stopTask').input;
    assert.equal(stop.task, RECORDED_TASK);
    assert.match(stop.reason, /timed out after 15 minutes/);
    assert.deepEqual(h.running(), []);
    assert.deepEqual(reported(h), [{ deploymentId: 'd-IVHLMXTN9', status: 'Failed', hook: HOOK.LifecycleEventHookExecutionId }]);
    assert.equal(h.published.length, 1);
    assert.match(h.published[0].Message, /did not finish within 15 minutes/);
    // ECS then emits STOPPED for the stopped task: already reported, no second email.
    await h.handler(load('ecs-04-test-task-timed-out'));
    assert.equal(h.statuses.length, 1);
    assert.equal(h.published.length, 1);
  });

  test('an unexpected error (ListTasks throttled) fails the hook at once instead of after CodeDeploy\'s hour', async () => {
    const h = harness();
    h.clients.ecs.listTasks = async () => { const e = new Error('Rate exceeded'); e.name = 'ThrottlingException'; throw e; };
    await h.handler(HOOK);
    assert.deepEqual(reported(h).map((r) => r.status), ['Failed']);
    assert.match(h.published[0].Message, /Rate exceeded/);
    assert.deepEqual(h.running(), []);
  });

  test('a duplicated hook invocation starts no second task', async () => {
    const h = harness();
    await h.handler(HOOK);
    await h.handler(HOOK);
    assert.equal(h.calls.filter((c) => c.name === 'ecs.runTask').length, 1);
  });

  test('an event without overrides reads the hook execution id from DescribeTasks', async () => {
    const h = harness();
    await h.handler(HOOK);
    h.ecsStops(RECORDED_TASK);
    const event = load('ecs-01-test-task-exit-0');
    delete event.detail.overrides;
    await h.handler(event);
    assert.deepEqual(reported(h).map((r) => r.status), ['Succeeded']);
  });

  test('tasks not started by the gate are ignored', async () => {
    const h = harness();
    const event = load('ecs-02-test-task-exit-1');
    event.detail.startedBy = 'ecs-svc/1234567890';
    await h.handler(event);
    assert.deepEqual(h.statuses, []);
    assert.deepEqual(h.calls, []);
  });
});

describe('the smoke test when no integration tests are configured', () => {
  const env = { ...ENV, TEST_COMMAND: '' };

  test('a 200 from the health check through the test listener: Succeeded, no task started', async () => {
    const urls = [];
    const h = harness({ env, httpGet: async (url) => { urls.push(url); return { status: urls.length < 3 ? 503 : 200 }; } });
    await h.handler(HOOK);
    assert.deepEqual(urls, Array(3).fill(`${ENV.TEST_URL}/health`));
    assert.deepEqual(reported(h).map((r) => r.status), ['Succeeded']);
    assert.equal(h.calls.filter((c) => c.name.startsWith('ecs.')).length, 0);
    assert.deepEqual(h.running(), []);
  });

  test('no 200 in five tries: Failed, with the answers seen and a link to the gate log group', async () => {
    let n = 0;
    const h = harness({ env, httpGet: async () => { n += 1; if (n === 2) throw new Error('connect ETIMEDOUT'); return { status: 502 }; } });
    await h.handler(HOOK);
    assert.equal(n, 5);
    assert.deepEqual(reported(h).map((r) => r.status), ['Failed']);
    assert.match(h.published[0].Message, /never answered 200 in 5 tries \(502, connect ETIMEDOUT, 502, 502, 502\)/);
    assert.ok(h.published[0].Message.includes(logStreamLink('us-east-1', '/orders/dev/traffic-gate')));
  });
});

describe('console links', () => {
  test('log group and stream are escaped the way the CloudWatch console reads them', () => {
    assert.equal(logStreamLink('eu-west-1', '/a/b', 'app/app/1'),
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Fa$252Fb/log-events/app$252Fapp$252F1');
  });
});
