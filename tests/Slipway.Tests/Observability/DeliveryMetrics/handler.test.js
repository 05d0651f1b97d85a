'use strict';
// node --test tests/Slipway.Tests/Observability/DeliveryMetrics/
const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const SRC = path.resolve(__dirname, '../../../../src/Slipway/Observability/DeliveryMetrics');
const collector = require(path.join(SRC, 'index.js'));
const { createMemoryStore, createDynamoStore } = require(path.join(SRC, 'store.js'));
const { createHandler, parseEvent, idempotencyKey } = collector;

const EVENTS = path.join(__dirname, 'events');
const load = (name) => JSON.parse(fs.readFileSync(path.join(EVENTS, `${name}.json`), 'utf8'));
const eventsWithPrefix = (prefix) =>
  fs.readdirSync(EVENTS).filter((f) => f.startsWith(prefix)).sort().map((f) => f.replace(/\.json$/, ''));

const NAMESPACE = 'Slipway/Delivery';
const CONFIG = {
  namespace: NAMESPACE,
  pipelines: {
    'orders-pipeline': {
      service: 'orders',
      stages: { DeployDev: 'dev', DeployProd: 'prod' },
      productionEnvironment: 'prod',
    },
  },
  deploymentGroups: { 'orders-dev-dg': { pipeline: 'orders-pipeline', environment: 'dev' } },
};
const NOW = Date.parse('2024-05-03T13:00:00Z');
const ms = (iso) => Date.parse(iso);

function harness({ config = CONFIG, store = createMemoryStore({ now: () => NOW }) } = {}) {
  const lines = [];
  const handler = createHandler({ store, config, now: () => NOW, log: (line) => lines.push(line) });
  return {
    store,
    lines,
    handler,
    async send(...events) {
      for (const ev of events) await handler(typeof ev === 'string' ? load(ev) : ev);
    },
    docs: () => lines.map((l) => JSON.parse(l)),
    emf: () => lines.map((l) => JSON.parse(l)).filter((d) => d._aws),
    notices: () => lines.map((l) => JSON.parse(l)).filter((d) => !d._aws),
    metrics: () => lines.map((l) => JSON.parse(l)).filter((d) => d._aws).map(toMetric),
  };
}

/** Flattens an EMF document with one metric into { name, unit, value, dims, namespace, timestamp }. */
function toMetric(doc) {
  const [directive] = doc._aws.CloudWatchMetrics;
  const [def] = directive.Metrics;
  const dims = Object.fromEntries(directive.Dimensions[0].map((k) => [k, doc[k]]));
  return { name: def.Name, unit: def.Unit, value: doc[def.Name], dims, namespace: directive.Namespace, timestamp: doc._aws.Timestamp };
}

const P = { Pipeline: 'orders-pipeline' };
const DEV = { Pipeline: 'orders-pipeline', Environment: 'dev' };
const PROD = { Pipeline: 'orders-pipeline', Environment: 'prod' };
const count = (name, dims, at) => ({ name, unit: 'Count', value: 1, dims, namespace: NAMESPACE, timestamp: ms(at) });
const millis = (name, value, dims, at) => ({ name, unit: 'Milliseconds', value, dims, namespace: NAMESPACE, timestamp: ms(at) });

const sortKey = (m) => JSON.stringify([m.name, m.timestamp, m.dims, m.value]);
const sorted = (metrics) => [...metrics].sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
const names = (metrics) => metrics.map((m) => m.name).sort();

// Seeded shuffle so "random" orders are reproducible.
function shuffle(items, seed) {
  const out = [...items];
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const SUCCESS_RUN = eventsWithPrefix('success-');
const SUCCESS_METRICS = [
  count('DeploymentSucceeded', DEV, '2024-05-01T10:12:30Z'),
  millis('DeploymentDuration', 450000, DEV, '2024-05-01T10:12:30Z'),
  count('DeploymentSucceeded', PROD, '2024-05-01T10:31:00Z'),
  millis('DeploymentDuration', 660000, PROD, '2024-05-01T10:31:00Z'),
  count('ProductionDeployments', P, '2024-05-01T10:31:00Z'),
  count('DeploymentFrequency', P, '2024-05-01T10:31:00Z'),
  millis('LeadTimeForChanges', 1860000, P, '2024-05-01T10:31:00Z'),
  count('PipelineExecutionSucceeded', P, '2024-05-01T10:31:05Z'),
  millis('PipelineExecutionDuration', 1865000, P, '2024-05-01T10:31:05Z'),
];

describe('recorded events', () => {
  test('are shaped like the documented EventBridge events', () => {
    const files = fs.readdirSync(EVENTS).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 20);
    for (const f of files) {
      const ev = JSON.parse(fs.readFileSync(path.join(EVENTS, f), 'utf8'));
      assert.deepEqual(Object.keys(ev).sort(), ['account', 'detail', 'detail-type', 'id', 'region', 'resources', 'source', 'time', 'version'], f);
      assert.equal(ev.source, ev['detail-type'].startsWith('CodeDeploy') ? 'aws.codedeploy' : 'aws.codepipeline', f);
      assert.doesNotThrow(() => parseEvent(ev), f);
    }
  });
});

describe('successful run through dev and prod', () => {
  test('emits deployment counts, durations, DORA lead time and frequency, pipeline outcome', async () => {
    const h = harness();
    await h.send(...SUCCESS_RUN);
    assert.deepEqual(sorted(h.metrics()), sorted(SUCCESS_METRICS));
  });

  test('ignores the non-deploy (CodeBuild) action with a notice', async () => {
    const h = harness();
    await h.send('success-02-action-build-succeeded');
    assert.equal(h.emf().length, 0);
    assert.equal(h.notices()[0].reason, 'not-a-deploy-action');
  });
});

describe('failed production deployment, then a fix', () => {
  test('counts the failure and rollback, then time to restore from the first failure', async () => {
    const h = harness();
    await h.send(...eventsWithPrefix('failure-'));
    const failed = h.metrics();
    assert.deepEqual(sorted(failed), sorted([
      millis('DeploymentDuration', 900000, PROD, '2024-05-02T09:35:00Z'),
      count('DeploymentFailed', PROD, '2024-05-02T09:35:00Z'),
      count('DeploymentRolledBack', PROD, '2024-05-02T09:35:00Z'),
      count('ProductionDeployments', P, '2024-05-02T09:35:00Z'),
      count('ChangeFailure', P, '2024-05-02T09:35:00Z'),
      count('PipelineExecutionFailed', P, '2024-05-02T09:35:02Z'),
      millis('PipelineExecutionDuration', 2102000, P, '2024-05-02T09:35:02Z'),
      // Second failure (execution D): its STARTED was never seen, so no duration, but it is counted.
      count('DeploymentFailed', PROD, '2024-05-02T10:10:00Z'),
      count('DeploymentRolledBack', PROD, '2024-05-02T10:10:00Z'),
      count('ProductionDeployments', P, '2024-05-02T10:10:00Z'),
      count('ChangeFailure', P, '2024-05-02T10:10:00Z'),
    ]));
    assert.ok(!names(failed).includes('TimeToRestore'));

    h.lines.length = 0;
    await h.send(...eventsWithPrefix('restore-'));
    assert.deepEqual(sorted(h.metrics()), sorted([
      millis('DeploymentDuration', 600000, PROD, '2024-05-02T11:30:00Z'),
      count('DeploymentSucceeded', PROD, '2024-05-02T11:30:00Z'),
      count('ProductionDeployments', P, '2024-05-02T11:30:00Z'),
      count('DeploymentFrequency', P, '2024-05-02T11:30:00Z'),
      millis('LeadTimeForChanges', 1800000, P, '2024-05-02T11:30:00Z'),
      // From the first failure (09:35:00), not the repeated one (10:10:00).
      millis('TimeToRestore', ms('2024-05-02T11:30:00Z') - ms('2024-05-02T09:35:00Z'), P, '2024-05-02T11:30:00Z'),
      count('PipelineExecutionSucceeded', P, '2024-05-02T11:30:04Z'),
      millis('PipelineExecutionDuration', 1804000, P, '2024-05-02T11:30:04Z'),
    ]));
  });

  // Another execution's successful production deployment, later than everything above.
  function laterProductionSuccess(time) {
    const ev = load('restore-03-action-prod-deploy-succeeded');
    ev.id = `later-${time}`;
    ev.time = time;
    ev.detail['execution-id'] = '6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c08';
    ev.detail['action-execution-id'] = '7b8c9d0e-1f2a-4b3c-9d4e-5f6a7b8c9d09';
    return ev;
  }

  test('the incident is cleared: the next success emits no TimeToRestore', async () => {
    const h = harness();
    await h.send(...eventsWithPrefix('failure-'), ...eventsWithPrefix('restore-'));
    h.lines.length = 0;
    await h.send(laterProductionSuccess('2024-05-02T15:00:00Z'));
    assert.deepEqual(names(h.metrics()), ['DeploymentFrequency', 'DeploymentSucceeded', 'ProductionDeployments']);
  });

  test('a failure delivered after a later success opens no incident', async () => {
    const h = harness();
    await h.send('restore-03-action-prod-deploy-succeeded', 'failure-03-action-prod-deploy-failed');
    assert.ok(names(h.metrics()).includes('ChangeFailure'));
    h.lines.length = 0;
    await h.send(laterProductionSuccess('2024-05-02T15:00:00Z'));
    assert.ok(!names(h.metrics()).includes('TimeToRestore'));
  });

  test('a failure delivered after an earlier one moves the incident start back', async () => {
    const h = harness();
    await h.send('failure-05-action-prod-deploy-failed-again', 'failure-03-action-prod-deploy-failed');
    h.lines.length = 0;
    await h.send(laterProductionSuccess('2024-05-02T15:00:00Z'));
    const ttr = h.metrics().find((m) => m.name === 'TimeToRestore');
    assert.equal(ttr.value, ms('2024-05-02T15:00:00Z') - ms('2024-05-02T09:35:00Z'));
  });
});

describe('superseded execution', () => {
  test('counts as stopped, duration from start-time', async () => {
    const h = harness();
    await h.send('superseded-01-pipeline-superseded');
    assert.deepEqual(sorted(h.metrics()), sorted([
      count('PipelineExecutionStopped', P, '2024-05-03T08:15:00Z'),
      millis('PipelineExecutionDuration', 900000, P, '2024-05-03T08:15:00Z'),
    ]));
  });
});

describe('duplicates', () => {
  test('every event delivered twice (or three times) counts once', async () => {
    const all = [...SUCCESS_RUN, ...eventsWithPrefix('failure-'), ...eventsWithPrefix('restore-'),
      ...eventsWithPrefix('superseded-'), ...eventsWithPrefix('legacy-'), ...eventsWithPrefix('codedeploy-')];
    const once = harness();
    await once.send(...all);
    const repeated = harness();
    for (const name of all) await repeated.send(name, name, load(name)); // same event, also re-parsed
    assert.deepEqual(sorted(repeated.metrics()), sorted(once.metrics()));
    assert.ok(repeated.notices().some((n) => n.reason === 'duplicate-event'));
  });

  test('a retried action (new action-execution-id) is a new outcome, not a duplicate', () => {
    const failed = load('failure-03-action-prod-deploy-failed');
    const retried = structuredClone(failed);
    retried.detail['action-execution-id'] = '11111111-2222-4333-8444-555555555555';
    assert.notEqual(idempotencyKey(parseEvent(failed)), idempotencyKey(parseEvent(retried)));
    assert.equal(idempotencyKey(parseEvent(failed)), idempotencyKey(parseEvent(structuredClone(failed))));
  });
});

describe('out-of-order delivery', () => {
  test('terminal events before their STARTED events: same metrics as in order', async () => {
    const h = harness();
    await h.send(...[...SUCCESS_RUN].reverse());
    assert.deepEqual(sorted(h.metrics()), sorted(SUCCESS_METRICS));
  });

  test('counts are emitted at once; the duration when STARTED arrives, and only once', async () => {
    const h = harness();
    await h.send('success-06-action-prod-deploy-succeeded');
    assert.deepEqual(names(h.metrics()), ['DeploymentFrequency', 'DeploymentSucceeded', 'ProductionDeployments']);
    h.lines.length = 0;
    await h.send('success-05-action-prod-deploy-started');
    assert.deepEqual(h.metrics(), [millis('DeploymentDuration', 660000, PROD, '2024-05-01T10:31:00Z')]);
    h.lines.length = 0;
    await h.send('success-05-action-prod-deploy-started', 'success-06-action-prod-deploy-succeeded');
    assert.deepEqual(h.metrics(), []);
  });

  test('older events without start-time: duration completed by the late STARTED', async () => {
    const h = harness();
    await h.send('legacy-02-pipeline-succeeded');
    assert.deepEqual(h.metrics(), [count('PipelineExecutionSucceeded', P, '2024-05-03T12:20:30Z')]);
    h.lines.length = 0;
    await h.send('legacy-01-pipeline-started', 'legacy-01-pipeline-started');
    assert.deepEqual(h.metrics(), [millis('PipelineExecutionDuration', 1230000, P, '2024-05-03T12:20:30Z')]);
  });

  test('shuffled orders with duplicates always give the in-order metrics', async () => {
    const stream = [...SUCCESS_RUN, ...SUCCESS_RUN];
    for (let seed = 1; seed <= 25; seed++) {
      const h = harness();
      await h.send(...shuffle(stream, seed));
      assert.deepEqual(sorted(h.metrics()), sorted(SUCCESS_METRICS), `seed ${seed}`);
    }
  });

  test('a terminal event timestamped before its start emits no (negative) duration', async () => {
    const h = harness();
    const started = load('success-05-action-prod-deploy-started');
    started.time = '2024-05-01T10:45:00Z'; // after the SUCCEEDED time
    await h.send('success-06-action-prod-deploy-succeeded', started);
    assert.ok(h.metrics().every((m) => m.value >= 0));
    assert.ok(!names(h.metrics()).includes('DeploymentDuration'));
  });
});

describe('CodeDeploy deployment notifications (same account)', () => {
  test('maps the deployment group to pipeline/environment and counts terminal states', async () => {
    const h = harness();
    await h.send(...eventsWithPrefix('codedeploy-'));
    assert.deepEqual(sorted(h.metrics()), sorted([
      count('CodeDeployDeploymentSucceeded', DEV, '2024-05-01T10:12:27Z'),
      count('CodeDeployDeploymentFailed', DEV, '2024-05-02T14:02:11Z'),
      count('CodeDeployDeploymentStopped', DEV, '2024-05-02T15:40:55Z'),
    ]));
    assert.equal(h.notices().find((n) => n.state === 'START').reason, 'untracked-state');
  });

  test('an unknown deployment group emits nothing', async () => {
    const h = harness();
    const ev = load('codedeploy-02-deployment-success');
    ev.detail.deploymentGroup = 'someone-elses-dg';
    await h.send(ev);
    assert.equal(h.emf().length, 0);
    assert.equal(h.notices()[0].reason, 'unknown-deployment-group');
  });
});

describe('events that are not ours', () => {
  test('unknown pipeline: no metrics, a one-line notice, no throw, no state written', async () => {
    const h = harness();
    const result = await h.handler(load('unknown-01-pipeline-started'));
    assert.equal(result.status, 'ignored');
    assert.equal(h.emf().length, 0);
    assert.equal(h.lines.length, 1);
    assert.deepEqual({ level: h.notices()[0].level, reason: h.notices()[0].reason, pipeline: h.notices()[0].pipeline },
      { level: 'NOTICE', reason: 'unknown-pipeline', pipeline: 'billing-pipeline' });
    assert.equal(h.store.items.size, 0);
  });

  test('unknown stage and untracked action states are ignored', async () => {
    const h = harness();
    const stage = load('success-06-action-prod-deploy-succeeded');
    stage.detail.stage = 'DeployPerf';
    const abandoned = load('success-05-action-prod-deploy-started');
    abandoned.detail.state = 'ABANDONED';
    await h.send(stage, abandoned);
    assert.equal(h.emf().length, 0);
    assert.deepEqual(h.notices().map((n) => n.reason), ['unknown-stage', 'untracked-state']);
  });

  test('prototype property names are not known pipelines', async () => {
    const h = harness();
    const ev = load('success-01-pipeline-started');
    ev.detail.pipeline = '__proto__';
    await h.send(ev);
    assert.equal(h.notices()[0].reason, 'unknown-pipeline');
  });

  test('malformed and unsupported events never throw', async () => {
    const h = harness();
    const noDetail = load('success-01-pipeline-started');
    delete noDetail.detail;
    const badTime = load('success-07-pipeline-succeeded');
    badTime.time = 'yesterday';
    const noExecution = load('success-06-action-prod-deploy-succeeded');
    delete noExecution.detail['execution-id'];
    const wrongTypes = load('codedeploy-02-deployment-success');
    wrongTypes.detail.deploymentId = 42;
    const other = { ...load('success-01-pipeline-started'), 'detail-type': 'CodePipeline Stage Execution State Change' };
    const inputs = [undefined, null, 'text', 42, [], {}, { detail: 'x' }, noDetail, badTime, noExecution, wrongTypes, other];
    for (const input of inputs) {
      const result = await h.handler(input);
      assert.equal(result.status, 'ignored', JSON.stringify(input));
    }
    assert.equal(h.emf().length, 0);
    assert.equal(h.notices().length, inputs.length);
    assert.equal(h.notices().at(-1).reason, 'unsupported-event');
    assert.ok(h.notices().slice(0, -1).every((n) => n.reason === 'malformed-event'));
  });

  test('an invalid SLIPWAY_CONFIG logs a notice and emits nothing', async () => {
    for (const config of ['{not json', '[]', '"prod"', null, '']) {
      const h = harness({ config });
      await h.send('success-06-action-prod-deploy-succeeded');
      assert.equal(h.emf().length, 0);
      assert.equal(h.notices()[0].reason, 'invalid-config');
    }
  });
});

describe('EMF structure', () => {
  test('every line is a valid EMF document per the specification', async () => {
    const h = harness();
    await h.send(...SUCCESS_RUN, ...eventsWithPrefix('failure-'), ...eventsWithPrefix('restore-'),
      ...eventsWithPrefix('superseded-'), ...eventsWithPrefix('legacy-'), ...eventsWithPrefix('codedeploy-'));
    const units = new Set(['Count', 'Milliseconds']);
    const emitted = new Set();
    for (const line of h.lines) {
      assert.ok(!line.includes('\n'), 'one JSON document per line');
      const doc = JSON.parse(line);
      if (!doc._aws) continue;
      assert.ok(Number.isInteger(doc._aws.Timestamp), 'Timestamp is epoch milliseconds');
      assert.ok(Array.isArray(doc._aws.CloudWatchMetrics) && doc._aws.CloudWatchMetrics.length === 1);
      for (const directive of doc._aws.CloudWatchMetrics) {
        assert.deepEqual(Object.keys(directive).sort(), ['Dimensions', 'Metrics', 'Namespace']);
        assert.equal(directive.Namespace, NAMESPACE);
        for (const set of directive.Dimensions) {
          assert.ok(set.length >= 1 && set.length <= 9);
          for (const key of set) assert.equal(typeof doc[key], 'string', `dimension ${key} present`);
        }
        for (const def of directive.Metrics) {
          assert.equal(typeof doc[def.Name], 'number', `metric ${def.Name} has a numeric value`);
          assert.ok(Number.isFinite(doc[def.Name]) && doc[def.Name] >= 0);
          assert.ok(units.has(def.Unit), def.Unit);
          emitted.add(def.Name);
        }
      }
    }
    assert.deepEqual([...emitted].sort(), [
      'ChangeFailure', 'CodeDeployDeploymentFailed', 'CodeDeployDeploymentStopped', 'CodeDeployDeploymentSucceeded',
      'DeploymentDuration', 'DeploymentFailed', 'DeploymentFrequency', 'DeploymentRolledBack', 'DeploymentSucceeded',
      'LeadTimeForChanges', 'PipelineExecutionDuration', 'PipelineExecutionFailed', 'PipelineExecutionStopped',
      'PipelineExecutionSucceeded', 'ProductionDeployments', 'TimeToRestore',
    ]);
  });

  test('matches the documented document shape exactly', () => {
    const doc = collector.emfDocument(NAMESPACE, { name: 'DeploymentDuration', unit: 'Milliseconds', value: 1234, dimensions: PROD, timestamp: 1714559460000 });
    assert.deepEqual(doc, {
      _aws: {
        Timestamp: 1714559460000,
        CloudWatchMetrics: [{ Namespace: NAMESPACE, Dimensions: [['Pipeline', 'Environment']], Metrics: [{ Name: 'DeploymentDuration', Unit: 'Milliseconds' }] }],
      },
      Pipeline: 'orders-pipeline',
      Environment: 'prod',
      DeploymentDuration: 1234,
    });
  });
});

describe('state store failures', () => {
  test('release the claims and rethrow, so the retried event is counted exactly once', async () => {
    const store = createMemoryStore({ now: () => NOW });
    let failReads = false;
    const flaky = {
      ...store,
      async get(k) {
        if (failReads) throw new Error('ProvisionedThroughputExceededException');
        return store.get(k);
      },
    };
    const h = harness({ store: flaky });
    await h.send('success-05-action-prod-deploy-started');
    failReads = true;
    await assert.rejects(h.handler(load('success-06-action-prod-deploy-succeeded')), /Throughput/);
    assert.equal(h.emf().length, 0);
    failReads = false;
    await h.send('success-06-action-prod-deploy-succeeded', 'success-06-action-prod-deploy-succeeded');
    assert.deepEqual(names(h.metrics()), ['DeploymentDuration', 'DeploymentFrequency', 'DeploymentSucceeded', 'ProductionDeployments']);
  });
});

describe('DynamoDB store', () => {
  const T = 1_714_560_000_000; // fixed clock
  function fakeClient({ conflict = false, error, item } = {}) {
    const calls = [];
    return {
      calls,
      async putItem(input) {
        calls.push(['putItem', input]);
        if (error) throw error;
        if (conflict && input.ConditionExpression) {
          const err = new Error('The conditional request failed');
          err.name = 'ConditionalCheckFailedException';
          throw err;
        }
        return {};
      },
      async getItem(input) { calls.push(['getItem', input]); return { Item: item }; },
      async deleteItem(input) { calls.push(['deleteItem', input]); return {}; },
    };
  }

  test('putIfAbsent is a conditional PutItem with a TTL in epoch seconds', async () => {
    const client = fakeClient();
    const store = createDynamoStore({ tableName: 'slipway-state', client, now: () => T });
    assert.equal(await store.putIfAbsent('seen#k', { a: 1 }, 60), true);
    assert.deepEqual(client.calls, [['putItem', {
      TableName: 'slipway-state',
      Item: { pk: { S: 'seen#k' }, v: { S: '{"a":1}' }, expiresAt: { N: String(T / 1000 + 60) } },
      ConditionExpression: 'attribute_not_exists(pk)',
    }]]);
  });

  test('ConditionalCheckFailedException maps to false; other errors propagate', async () => {
    const store = createDynamoStore({ tableName: 't', client: fakeClient({ conflict: true }), now: () => T });
    assert.equal(await store.putIfAbsent('k', {}, 60), false);
    const broken = createDynamoStore({ tableName: 't', client: fakeClient({ error: Object.assign(new Error('boom'), { name: 'InternalServerError' }) }) });
    await assert.rejects(broken.putIfAbsent('k', {}, 60), /boom/);
  });

  test('get is strongly consistent and hides expired items; put is unconditional; delete by pk', async () => {
    const live = fakeClient({ item: { pk: { S: 'k' }, v: { S: '{"t":5}' }, expiresAt: { N: String(T / 1000 + 1) } } });
    const store = createDynamoStore({ tableName: 't', client: live, now: () => T });
    assert.deepEqual(await store.get('k'), { t: 5 });
    assert.deepEqual(live.calls[0], ['getItem', { TableName: 't', Key: { pk: { S: 'k' } }, ConsistentRead: true }]);
    await store.put('k', { t: 6 }, 10);
    assert.equal(live.calls[1][1].ConditionExpression, undefined);
    await store.delete('k');
    assert.deepEqual(live.calls[2], ['deleteItem', { TableName: 't', Key: { pk: { S: 'k' } } }]);

    const expired = fakeClient({ item: { pk: { S: 'k' }, v: { S: '1' }, expiresAt: { N: String(T / 1000 - 1) } } });
    assert.equal(await createDynamoStore({ tableName: 't', client: expired, now: () => T }).get('k'), undefined);
    assert.equal(await createDynamoStore({ tableName: 't', client: fakeClient(), now: () => T }).get('k'), undefined);
  });

  test('requires a table name', () => {
    assert.throws(() => createDynamoStore({ client: fakeClient() }), /SLIPWAY_STATE_TABLE/);
  });
});

describe('Lambda entry point', () => {
  test('never loads the AWS SDK for events it ignores, and never throws', async () => {
    const saved = { config: process.env.SLIPWAY_CONFIG, table: process.env.SLIPWAY_STATE_TABLE };
    const write = process.stdout.write;
    const out = [];
    process.stdout.write = (chunk) => { out.push(String(chunk)); return true; };
    try {
      process.env.SLIPWAY_CONFIG = JSON.stringify(CONFIG);
      process.env.SLIPWAY_STATE_TABLE = 'slipway-state';
      assert.equal((await collector.handler(load('unknown-01-pipeline-started'))).status, 'ignored');
      assert.equal((await collector.handler({})).status, 'ignored');
    } finally {
      process.stdout.write = write;
      if (saved.config === undefined) delete process.env.SLIPWAY_CONFIG; else process.env.SLIPWAY_CONFIG = saved.config;
      if (saved.table === undefined) delete process.env.SLIPWAY_STATE_TABLE; else process.env.SLIPWAY_STATE_TABLE = saved.table;
    }
    assert.equal(out.length, 2);
    assert.ok(out.every((l) => l.endsWith('\n') && JSON.parse(l).level === 'NOTICE'));
    assert.deepEqual(Object.keys(require.cache).filter((k) => k.includes('@aws-sdk')), []);
  });
});
