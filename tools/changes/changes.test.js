'use strict';
// The change-safety suite (issue 12 §1). First the analyzer proves it catches each refusal on small
// hand-written assemblies; then every catalog edit of the examples is synthesized before and after
// with the built CLI and must deploy: no custom-named resource replaced, no new resource taking a
// removed or replaced resource's name, no update ECS rejects on a CODE_DEPLOY service, no stateful
// resource replaced or removed (unless the edit asks for it), no listener created on a port another
// listener still holds at that moment. Edits refused today are listed in
// catalog.js KNOWN_BLOCKED with the reason; each of those must still be refused by its rule.
//
//   node --test --test-reporter=tap 'tools/changes/*.test.js'   (needs the Release CLI built)
//   CHANGES_SKIP_CATALOG=1 ...                                 only the analyzer's own tests

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { analyze, analyzeStacks, readAssembly, render, AssemblyError, EXIT } = require('./analyze');
const { EDITS, MATRIX, MANIFESTS, KNOWN_BLOCKED } = require('./catalog');
const { synthesizeAll } = require('./synth');

// ---------------------------------------------------------------- fixtures

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-changes-'));
let fixtureCount = 0;
/** Writes a cloud assembly of stacks { stackName: template } (one account and region) and returns its directory. */
function assembly(stacks, { account = '111111111111', region = 'us-east-1' } = {}) {
  const dir = path.join(scratch, `a${++fixtureCount}`);
  fs.mkdirSync(dir, { recursive: true });
  const artifacts = {};
  for (const [stackName, template] of Object.entries(stacks)) {
    const id = stackName.replace(/[^A-Za-z0-9]/g, '');
    fs.writeFileSync(path.join(dir, `${id}.template.json`), JSON.stringify(template));
    artifacts[id] = { type: 'aws:cloudformation:stack', environment: `aws://${account}/${region}`, properties: { templateFile: `${id}.template.json`, stackName } };
  }
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ version: '38.0.1', artifacts }));
  return dir;
}
const clone = (x) => structuredClone(x);
const refusals = (result, rule) => result.stacks.flatMap(s => s.refused).filter(r => !rule || r.rule === rule);

// A runtime stack in miniature: VPC, subnet, security group, custom-named target group, CODE_DEPLOY service.
const runtime = {
  Resources: {
    Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } },
    Subnet: { Type: 'AWS::EC2::Subnet', Properties: { VpcId: { Ref: 'Vpc' }, CidrBlock: '10.0.0.0/24' } },
    Group: { Type: 'AWS::EC2::SecurityGroup', Properties: { GroupDescription: 'service', VpcId: { Ref: 'Vpc' } } },
    Blue: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup', Properties: { Name: 'orders-dev-blue', Port: 8080, Protocol: 'HTTP', TargetType: 'ip', VpcId: { Ref: 'Vpc' } } },
    Service: {
      Type: 'AWS::ECS::Service',
      Properties: {
        DeploymentController: { Type: 'CODE_DEPLOY' }, DesiredCount: 1, TaskDefinition: 'orders-dev-task',
        LoadBalancers: [{ ContainerName: 'app', ContainerPort: 8080, TargetGroupArn: { Ref: 'Blue' } }],
        NetworkConfiguration: { AwsvpcConfiguration: { Subnets: [{ Ref: 'Subnet' }], SecurityGroups: [{ 'Fn::GetAtt': ['Group', 'GroupId'] }] } },
      },
    },
  },
};

test('analyzer: an unchanged assembly deploys in place (exit 0)', () => {
  const dir = assembly({ 'orders-dev-runtime': runtime });
  const result = analyze(dir, dir);
  assert.equal(result.exitCode, EXIT.inPlace);
  assert.deepEqual(refusals(result), []);
  assert.match(render(result), /orders-dev-runtime \(111111111111\/us-east-1\): no changes/);
});

test('analyzer: a custom-named target group whose Port changes is refused (custom-name)', () => {
  const after = clone(runtime);
  after.Resources.Blue.Properties.Port = 9090;
  delete after.Resources.Service; // the service alone is the next test
  const before = clone(runtime); delete before.Resources.Service;
  const result = analyze(assembly({ s: before }), assembly({ s: after }));
  assert.equal(result.exitCode, EXIT.refused);
  const [refusal] = refusals(result, 'custom-name');
  assert.equal(refusal.logicalId, 'Blue');
  assert.match(refusal.message, /Port changes.*custom name Name: orders-dev-blue/);
  assert.deepEqual(result.stacks[0].replaced.map(r => [r.logicalId, r.because]), [['Blue', ['Port changes']]]);
});

test('analyzer: a replacement that also changes the custom name is allowed (exit 4, no refusal)', () => {
  const before = clone(runtime); delete before.Resources.Service;
  const after = clone(before);
  Object.assign(after.Resources.Blue.Properties, { Port: 9090, Name: 'orders-dev-blue-9090' });
  const result = analyze(assembly({ s: before }), assembly({ s: after }));
  assert.equal(result.exitCode, EXIT.replaced);
  assert.deepEqual(refusals(result), []);
  assert.match(render(result), /replaced: Blue \(AWS::ElasticLoadBalancingV2::TargetGroup\): Name changes, Port changes/);
});

test('analyzer: a CODE_DEPLOY service whose LoadBalancers change is refused (code-deploy); DesiredCount is not', () => {
  const after = clone(runtime);
  after.Resources.Service.Properties.LoadBalancers[0].ContainerPort = 9090;
  after.Resources.Service.Properties.DesiredCount = 3;
  const result = analyze(assembly({ s: runtime }), assembly({ s: after }));
  assert.equal(result.exitCode, EXIT.refused);
  const found = refusals(result, 'code-deploy');
  assert.deepEqual(found.map(r => r.message.split(':')[1].trim().split(' ')[0]), ['LoadBalancers']);
  assert.match(found[0].fix, /new service/);
  assert.deepEqual(result.stacks[0].changed.map(c => c.properties), [['DesiredCount', 'LoadBalancers']]);
});

test('analyzer: a service under the ECS controller may change its load balancers', () => {
  const before = clone(runtime); before.Resources.Service.Properties.DeploymentController.Type = 'ECS';
  const after = clone(before); after.Resources.Service.Properties.LoadBalancers[0].ContainerPort = 9090;
  const result = analyze(assembly({ s: before }), assembly({ s: after }));
  assert.equal(result.exitCode, EXIT.inPlace);
});

test('analyzer: a replaced VPC cascades through VpcId to subnet, security group and target group, and into the service', () => {
  const after = clone(runtime);
  after.Resources.Vpc.Properties.CidrBlock = '10.1.0.0/16';
  const result = analyze(assembly({ s: runtime }), assembly({ s: after }));
  const replaced = Object.fromEntries(result.stacks[0].replaced.map(r => [r.logicalId, r.because]));
  assert.deepEqual(replaced, {
    Vpc: ['CidrBlock changes'],
    Subnet: ['VpcId refers to the replaced Vpc'],
    Group: ['VpcId refers to the replaced Vpc'],
    Blue: ['VpcId refers to the replaced Vpc'],
  });
  assert.deepEqual(refusals(result, 'custom-name').map(r => r.logicalId), ['Blue']);
  assert.deepEqual(refusals(result, 'code-deploy').map(r => /: (\w+) would change \(it refers to the replaced ([^)]*)\)/.exec(r.message).slice(1)),
    [['LoadBalancers', 'Blue'], ['NetworkConfiguration', 'Subnet, Group']]);
});

test('analyzer: a cascade through Fn::Sub (which cdk diff does not follow) replaces the referrer', () => {
  const template = (cidr) => ({
    Resources: {
      Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: cidr } },
      Subnet: { Type: 'AWS::EC2::Subnet', Properties: { VpcId: { 'Fn::Sub': '${Vpc}' }, CidrBlock: '10.0.0.0/24' } },
    },
  });
  const result = analyze(assembly({ s: template('10.0.0.0/16') }), assembly({ s: template('10.1.0.0/16') }));
  assert.deepEqual(result.stacks[0].replaced.map(r => [r.logicalId, r.because]), [['Vpc', ['CidrBlock changes']], ['Subnet', ['VpcId refers to the replaced Vpc']]]);
});

test('analyzer: a new resource taking the name of a removed one is refused (name-reuse), also across stacks', () => {
  const role = (name) => ({ Type: 'AWS::IAM::Role', Properties: { RoleName: name, AssumeRolePolicyDocument: {} } });
  const before = assembly({ a: { Resources: { OldRole: role('orders-deploy') } }, b: { Resources: { Other: role('orders-other') } } });
  const after = assembly({ a: { Resources: { NewRole: role('orders-deploy') } }, b: { Resources: { Moved: role('orders-other') } } });
  const result = analyze(before, after);
  assert.equal(result.exitCode, EXIT.refused);
  assert.deepEqual(refusals(result, 'name-reuse').map(r => r.logicalId).sort(), ['Moved', 'NewRole']);
  assert.match(refusals(result, 'name-reuse')[0].message, /RoleName: orders-(deploy|other), the name of (OldRole|Other) in [ab], which is removed only after the create/);
});

test('analyzer: a security group rule re-created under another logical id is refused (an identical rule already exists)', () => {
  const rule = (port) => ({ Type: 'AWS::EC2::SecurityGroupIngress', Properties: { GroupId: { Ref: 'Group' }, IpProtocol: 'tcp', FromPort: port, ToPort: port, CidrIp: '10.0.0.0/16' } });
  const group = { Type: 'AWS::EC2::SecurityGroup', Properties: { GroupDescription: 'g' } };
  const before = assembly({ s: { Resources: { Group: group, Rule8080: rule(8080) } } });
  assert.deepEqual(refusals(analyze(before, assembly({ s: { Resources: { Group: group, Rule9090: rule(9090) } } }))), []);
  assert.deepEqual(refusals(analyze(before, assembly({ s: { Resources: { Group: group, RuleMoved: rule(8080) } } }))).map(r => [r.rule, r.logicalId]), [['name-reuse', 'RuleMoved']]);
});

test('analyzer: a new listener on the port another listener leaves is refused unless it depends on it (listener-port)', () => {
  const listener = (port, extra = {}) => ({ Type: 'AWS::ElasticLoadBalancingV2::Listener', Properties: { LoadBalancerArn: { Ref: 'Lb' }, Port: port, Protocol: 'HTTP' }, ...extra });
  const lb = { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', Properties: {} };
  const before = assembly({ s: { Resources: { Lb: lb, Production: listener(80) } } });
  const racing = analyze(before, assembly({ s: { Resources: { Lb: lb, Production: listener(443), Redirect: listener(80) } } }));
  assert.deepEqual(refusals(racing).map(r => [r.rule, r.logicalId]), [['listener-port', 'Redirect']]);
  assert.match(refusals(racing)[0].message, /Redirect is created on port 80, which Production holds until it is moved to another port \(in parallel with the create: nothing orders them\); ELB refuses a second listener on a port \(DuplicateListener\)/);
  assert.match(refusals(racing)[0].fix, /make Redirect depend on Production \(DependsOn\)/);
  const ordered = analyze(before, assembly({ s: { Resources: { Lb: lb, Production: listener(443), Redirect: listener(80, { DependsOn: ['Production'] }) } } }));
  assert.deepEqual(refusals(ordered), []);
  const renamed = analyze(before, assembly({ s: { Resources: { Lb: lb, Main: listener(80) } } }));
  assert.match(refusals(renamed)[0].message, /Main is created on port 80, which Production holds until it is removed \(in the cleanup phase, after every create\)/);
});

test('analyzer: a removed bucket is data loss and refused unless the edit asks for it or the bucket is retained', () => {
  const bucket = { Type: 'AWS::S3::Bucket', Properties: {} };
  const before = assembly({ s: { Resources: { Logs: bucket, Keep: { ...bucket, DeletionPolicy: 'Retain' } } } });
  const after = assembly({ s: { Resources: {} } });
  const refused = analyze(before, after);
  assert.deepEqual(refusals(refused, 'data-loss').map(r => r.logicalId), ['Logs']);
  const asked = analyze(before, after, { allowDataLoss: ['AWS::S3::Bucket'] });
  assert.equal(asked.exitCode, EXIT.replaced);
  assert.match(render(asked), /data loss \(asked for\): Logs \(AWS::S3::Bucket\) is removed; its data is lost/);
});

test('analyzer: a replaced log group is data loss (its UpdateReplacePolicy is Delete); a retention change is not', () => {
  const group = (properties) => ({ Resources: { Group: { Type: 'AWS::Logs::LogGroup', UpdateReplacePolicy: 'Delete', Properties: properties } } });
  const renamed = analyze(assembly({ s: group({ RetentionInDays: 7 }) }), assembly({ s: group({ RetentionInDays: 7, LogGroupName: '/orders/dev' }) }));
  assert.deepEqual(refusals(renamed).map(r => [r.rule, r.message]), [['data-loss', 'Group (AWS::Logs::LogGroup) would be replaced: its data is lost']]);
  assert.equal(analyze(assembly({ s: group({ RetentionInDays: 7 }) }), assembly({ s: group({ RetentionInDays: 30 }) })).exitCode, EXIT.inPlace);
});

test('analyzer: the pipeline roll-out is read from the taskdef and appspec the image build writes', () => {
  const buildspec = (port) => {
    const taskdef = Buffer.from(JSON.stringify({ family: 'f', containerDefinitions: [{ name: 'app', portMappings: [{ containerPort: port }] }] }, null, 2)).toString('base64');
    const appspec = Buffer.from(`version: 0.0\nResources:\n  - TargetService:\n      Properties:\n        LoadBalancerInfo:\n          ContainerPort: ${port}\n`).toString('base64');
    return { Resources: { Build: { Type: 'AWS::CodeBuild::Project', Properties: { Source: { BuildSpec: `"echo '${taskdef}' | base64 -d > taskdef-dev.json",\n"echo '${appspec}' | base64 -d > appspec-dev.yaml"` } } } } };
  };
  const result = analyze(assembly({ p: buildspec(8080) }), assembly({ p: buildspec(9090) }));
  assert.deepEqual(result.stacks[0].rollout.map(c => `${c.file} ${c.path} ${c.before}→${c.after}`), [
    'taskdef-dev.json containerDefinitions[app].portMappings[0].containerPort 8080→9090',
    'appspec-dev.yaml Resources.TargetService.Properties.LoadBalancerInfo.ContainerPort 8080→9090',
  ]);
  assert.match(render(result), /\n {2}the pipeline will roll out to dev: container app port 8080 → 9090\n/);
});

test('analyzer: bad input says what it expected (exit 2 from the command line)', () => {
  assert.throws(() => readAssembly(path.join(scratch, 'missing')), (e) => e instanceof AssemblyError && /no cloud assembly there \(expected a directory written by `slipway synth` or `cdk synth`, with a manifest\.json\)/.test(e.message));
  const foreign = readAssembly(assembly({ 'other-app-stack': runtime }));
  const ours = readAssembly(assembly({ 'orders-dev-runtime': runtime }));
  assert.throws(() => analyzeStacks(foreign, ours, { requireCommonStack: true }), /none of the stacks of the earlier assembly \(other-app-stack\) is one of this manifest's \(orders-dev-runtime\)/);
  let status;
  try { execFileSync(process.execPath, [path.join(__dirname, 'analyze.js'), path.join(scratch, 'missing'), path.join(scratch, 'missing')], { stdio: 'pipe' }); } catch (e) { status = e.status; }
  assert.equal(status, EXIT.badInput);
});

// ---------------------------------------------------------------- the catalog

test('catalog: every edit runs on some example and every example takes some edit', () => {
  const used = new Set(Object.values(MATRIX).flat());
  assert.deepEqual(EDITS.filter(e => !(MATRIX[e.id] ?? []).length).map(e => e.id), []);
  assert.deepEqual(Object.keys(MANIFESTS).filter(m => !used.has(m)), []);
  // Every manifest the repository ships is in the catalog: a new example cannot be left out.
  const shipped = ['slipway.yaml', ...fs.readdirSync(path.resolve(__dirname, '..', '..', 'examples')).filter(f => f.endsWith('.yaml')).map(f => `examples/${f}`)];
  assert.deepEqual(shipped.filter(f => !Object.values(MANIFESTS).includes(f)), []);
  assert.deepEqual(Object.keys(KNOWN_BLOCKED).filter(id => !EDITS.some(e => e.id === id)), []);
});

if (process.env.CHANGES_SKIP_CATALOG !== '1') {
  let synthesized;
  const ready = () => (synthesized ??= synthesizeAll().then((s) => {
    const cache = {};
    s.read = (name) => (cache[name] ??= readAssembly(s.dirs[name]));
    return s;
  }));

  test('catalog: the examples are synthesized before and after every edit', { timeout: 900_000 }, async () => {
    const s = await ready();
    console.log(`# synthesized ${Object.keys(s.dirs).length} manifests (${s.pairs.length} edits) in ${s.total.toFixed(1)} s: ${Object.entries(s.seconds).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')}`);
  });

  for (const edit of EDITS) {
    for (const example of MATRIX[edit.id] ?? []) {
      const blocked = KNOWN_BLOCKED[edit.id];
      test(`${edit.id} (${edit.what}) on ${example}${blocked ? ' [KNOWN_BLOCKED]' : ''}`, { timeout: 900_000 }, async () => {
        const s = await ready();
        const pair = s.pairs.find(p => p.edit === edit && p.example === example);
        // This pair's stacks, and stacks no service owns (the GitHub deploy stacks of its app).
        const pick = (stacks) => stacks.filter(st => !st.service || st.service === pair.service);
        const result = analyzeStacks(pick(s.read(pair.before)), pick(s.read(pair.after)), { allowDataLoss: edit.allowDataLoss });
        const report = render(result);
        assert.ok(edit.expect(result), `the edit "${edit.what}" did not show in the diff:\n${report}`);
        if (edit.after) assert.match(report, edit.after, `the report does not say what to do after deploying "${edit.what}":\n${report}`);
        const refused = refusals(result);
        if (blocked) {
          const rules = [...new Set(refused.map(r => r.rule))].sort();
          assert.deepEqual(rules, [...blocked.rules].sort(),
            rules.length === 0
              ? `${edit.id} now deploys in place: remove it from KNOWN_BLOCKED in tools/changes/catalog.js`
              : `${edit.id} is refused for other reasons than KNOWN_BLOCKED says (${blocked.rules.join(', ')}):\n${report}`);
          return;
        }
        assert.deepEqual(refused.map(r => `${r.rule}: ${r.message}`), [], report);
      });
    }
  }
}

test.after(() => fs.rmSync(scratch, { recursive: true, force: true }));
