'use strict';
// Access proofs: for every synthesized assembly (cdk.out/examples/<name>, or the directories in
// ACCESS_ASSEMBLIES=dir1:dir2), one test per (actor, call) derived from the templates and the
// generated files, evaluated with @cloud-copilot/iam-simulate, plus negative proofs. The first
// tests prove the harness itself can fail (a fixture with a missing grant, and a grant deleted
// from a real assembly).
//   node --test tools/access/
//   ACCESS_ASSEMBLIES=cdk.out/examples/single-account node --test tools/access/

const { test, describe } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { prepare, evaluate } = require('./index');
const { describeActor } = require('./evaluate');
const { recreatedRoleProofs } = require('./recreated');

const repo = path.resolve(__dirname, '..', '..');
const fixture = path.join(__dirname, 'fixtures', 'missing-grant');

function assemblies() {
  if (process.env.ACCESS_ASSEMBLIES) {
    return process.env.ACCESS_ASSEMBLIES.split(':').filter(Boolean).map((d) => path.resolve(repo, d));
  }
  const root = path.join(repo, 'cdk.out', 'examples');
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root).map((d) => path.join(root, d)).filter((d) => fs.existsSync(path.join(d, 'manifest.json'))).sort();
}

function proofName(p) {
  const negative = p.expect === 'Denied' ? 'must NOT be allowed: ' : '';
  const recreated = p.recreated ? ' (recreated: same ARN, new unique id)' : '';
  return `${describeActor(p.actor)}${recreated} ${negative}${p.action} on ${p.resource}`;
}

function copyFixture(edit) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-access-'));
  for (const f of fs.readdirSync(fixture)) fs.copyFileSync(path.join(fixture, f), path.join(dir, f));
  const file = path.join(dir, 'FixtureBuild.template.json');
  const template = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(template.Resources.BuildRolePolicy.Properties.PolicyDocument.Statement);
  fs.writeFileSync(file, JSON.stringify(template));
  return dir;
}

async function fixtureProof(dir) {
  const { proofs, index } = prepare(dir);
  const proof = proofs.find((p) => p.action === 'ssm:GetParameters');
  assert.ok(proof, 'the fixture buildspec parameter-store entry must yield an ssm:GetParameters proof');
  return { proof, result: await evaluate(proof, index) };
}

const grant = {
  Sid: 'ReadBuildSecret',
  Effect: 'Allow',
  Action: 'ssm:GetParameters',
  Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/ci/fixture/*' },
};

describe('access-proof harness', () => {
  test('a buildspec secret without a grant fails, naming the actor, call, resource and missing side', async () => {
    const { result } = await fixtureProof(fixture);
    assert.equal(result.ok, false);
    assert.equal(result.result, 'ImplicitlyDenied');
    assert.match(result.message, /\[missing-grant\] role fixture-build \(fixture-build\/BuildRole\) ssm:GetParameters on arn:aws:ssm:us-east-1:111111111111:parameter\/ci\/fixture\/token/);
    assert.match(result.message, /no statement of the actor's identity policies allows it \(fixture-build\/BuildRolePolicy\)/);
    assert.match(result.message, /buildspec env\.parameter-store TOKEN/);
  });

  test('the same proof passes once the grant is present', async () => {
    const { result } = await fixtureProof(copyFixture((statements) => statements.push(grant)));
    assert.equal(result.ok, true, result.message);
  });

  test('container secrets: a partial secret ARN with a JSON key and a parameter ARN resolve to what IAM evaluates', async () => {
    const { proofs, index } = prepare(path.join(__dirname, 'fixtures', 'container-secrets'));
    const secretCalls = proofs.filter((p) => /^(secretsmanager|ssm):/.test(p.action)).map((p) => `${p.action} ${p.resource}`).sort();
    assert.deepEqual(secretCalls, [
      'secretsmanager:GetSecretValue arn:aws:secretsmanager:us-east-1:222222222222:secret:app/db-AbCdEf',
      'ssm:GetParameters arn:aws:ssm:us-east-1:222222222222:parameter/app/api-key',
    ]);
    assert.ok(proofs.some((p) => p.action === 'logs:PutLogEvents' && p.resource === 'arn:aws:logs:us-east-1:222222222222:log-group:/fixture/app:log-stream:app/app/task-id'));
    for (const p of proofs.filter((x) => x.expect === 'Allowed')) {
      const r = await evaluate(p, index);
      assert.ok(r.ok, r.message);
    }
  });

  test('an explicit deny is named by its Sid', async () => {
    const deny = { Sid: 'BlockBuildSecrets', Effect: 'Deny', Action: 'ssm:*', Resource: '*' };
    const { result } = await fixtureProof(copyFixture((statements) => statements.push(grant, deny)));
    assert.equal(result.ok, false);
    assert.match(result.message, /explicit Deny in the identity policy fixture-build\/BuildRolePolicy, statement Sid "BlockBuildSecrets"/);
  });
});

describe('access-proof harness: a recreated role (same ARN, new unique id)', () => {
  const dir = path.join(__dirname, 'fixtures', 'recreated-role');
  const deployRole = 'arn:aws:iam::222222222222:role/fixture-deploy';
  const call = (index, recreated) => ({
    assembly: 'recreated-role', group: 'fixture', actor: { role: index.roles.get(deployRole) },
    action: 's3:GetObject', resource: 'arn:aws:s3:::fixture-artifacts/taskdef.json', expect: 'Allowed', ...(recreated ? { recreated: true } : {}),
  });
  const withAccountPrincipal = (index) => {
    const rp = index.resourcePolicies.get('arn:aws:s3:::fixture-artifacts');
    rp.policy.Statement = rp.policy.Statement.map((s) => ({
      ...s, Principal: { AWS: 'arn:aws:iam::222222222222:root' }, Condition: { ArnEquals: { 'aws:PrincipalArn': deployRole } },
    }));
  };

  test('a policy naming the role ARN as principal admits the role it was saved with', async () => {
    const { index } = prepare(dir);
    const r = await evaluate(call(index, false), index);
    assert.equal(r.ok, true, r.message);
  });

  test('the same policy no longer admits the role once it is recreated: the proof fails, naming the resource policy', async () => {
    const { index, proofs } = prepare(dir);
    assert.ok(proofs.every((p) => !p.recreated), 'the fixture derives no calls of its own');
    const r = await evaluate(call(index, true), index);
    assert.equal(r.ok, false);
    assert.match(r.message, /\(recreated: same ARN, new unique id\) s3:GetObject on arn:aws:s3:::fixture-artifacts\/taskdef\.json: ImplicitlyDenied/);
    assert.match(r.message, /no statement of the resource policy fixture-tooling\/ArtifactsPolicy allows it/);
  });

  test('the account principal with an aws:PrincipalArn condition still admits the recreated role', async () => {
    const { index } = prepare(dir);
    withAccountPrincipal(index);
    const r = await evaluate(call(index, true), index);
    assert.equal(r.ok, true, r.message);
  });

  test('the condition form does not admit another role of that account', async () => {
    const { index } = prepare(dir);
    withAccountPrincipal(index);
    const other = { ...index.roles.get(deployRole), arn: 'arn:aws:iam::222222222222:role/fixture-other', name: 'fixture-other' };
    const r = await evaluate({ ...call(index, true), actor: { role: other } }, index);
    assert.equal(r.ok, false, r.message);
  });

  test('recreated variants are derived for the calls whose resource policy in another stack names the role', () => {
    const { index } = prepare(dir);
    const variants = recreatedRoleProofs([call(index, false)], index);
    assert.deepEqual(variants.map((v) => [v.recreated, v.action, v.resource]), [[true, 's3:GetObject', 'arn:aws:s3:::fixture-artifacts/taskdef.json']]);
  });
});

const dirs = assemblies();
if (dirs.length === 0) {
  test('access proofs over cdk.out/examples', { skip: 'no assemblies: run ./build.sh test, or synthesize and set ACCESS_ASSEMBLIES' }, () => {});
}

for (const dir of dirs) {
  const name = path.basename(dir);
  describe(`access proofs: ${name}`, () => {
    assert.ok(fs.existsSync(path.join(dir, 'manifest.json')), `${dir}: no manifest.json (not a cloud assembly)`);
    const { proofs, skipped, index, assembly } = prepare(dir);

    test('every actor of the assembly has proofs', (t) => {
      const problems = [];
      const has = (pred) => proofs.some(pred);
      for (const s of assembly.stacks) {
        for (const [id, r] of Object.entries(s.resources)) {
          if (r.Type === 'AWS::CodeBuild::Project' && !has((p) => p.group.startsWith('project ') && p.actor.role && p.actor.role.stack === s.name)) problems.push(`${s.name}/${id}: no proofs for its service role`);
          if (r.Type === 'AWS::CodePipeline::Pipeline' && !has((p) => p.group.startsWith('pipeline '))) problems.push(`${s.name}/${id}: no pipeline proofs`);
          if (r.Type === 'AWS::Events::Rule' && !has((p) => p.group === `rule ${id}`)) problems.push(`${s.name}/${id}: rule with no proofs for its targets`);
          // Every deployment's AfterAllowTestTraffic hook (the traffic gate): invoked by CodeDeploy,
          // and the calls of its own role.
          if (r.Type === 'AWS::CodeDeploy::DeploymentGroup' && !has((p) => p.group.startsWith('hook AfterAllowTestTraffic ') && p.action === 'lambda:InvokeFunction' && p.actor.role && p.actor.role.stack === s.name)) problems.push(`${s.name}/${id}: no proof that CodeDeploy may invoke its AfterAllowTestTraffic hook`);
          if (r.Type === 'AWS::Lambda::Function' && /traffic-gate/.test((r.Properties || {}).FunctionName || '') && !has((p) => p.group === `traffic gate ${r.Properties.FunctionName}` && p.action === 'codedeploy:PutLifecycleEventHookExecutionStatus')) problems.push(`${s.name}/${id}: no proofs for the traffic gate's role`);
        }
      }
      const deploys = proofs.filter((p) => p.group.startsWith('deploy ') && p.action === 'codedeploy:CreateDeployment').length;
      const execs = proofs.filter((p) => p.group.startsWith('task execution ')).length;
      if (deploys > 0 && execs === 0) problems.push('deploy actions but no task execution role proofs (taskdef files not decoded?)');
      assert.deepEqual(problems, []);
      assert.ok(proofs.length > 0, 'no proofs derived');
      // Roles left out because their policies are AWS-managed (see derive.js).
      for (const s of skipped) t.diagnostic(`not proven: ${s}`);
      // Roles no derived call uses (task roles without grants, integration-test roles of
      // environments without integration tests, GitHub OIDC roles whose token claims
      // iam-simulate cannot evaluate): listed, not failed.
      for (const r of index.roles.values()) {
        const used = proofs.some((p) => p.expect === 'Allowed' && (p.actor.role === r || (p.action === 'sts:AssumeRole' && p.resource === r.arn)));
        if (!used && !r.awsManagedPolicies.length) t.diagnostic(`no derived call: ${r.stack}/${r.logicalId} (${r.name})`);
      }
    });

    test('deleting the grant of a cross-account call makes its proof fail', async (t) => {
      // The call with a resource side in another account if there is one, else any granted call.
      const candidates = proofs.filter((p) => p.expect === 'Allowed' && !p.missing && p.actor.role);
      const cross = candidates.filter((p) => /^arn:aws:(s3|kms):/.test(p.resource) && p.group.startsWith('deploy ') && !p.resource.includes(`:${p.actor.role.account}:`));
      let chosen;
      for (const p of [...cross, ...candidates]) {
        const r = await evaluate(p, index);
        if (r.ok && r.grants.length) { chosen = { p, r }; break; }
      }
      assert.ok(chosen, 'no granted call to mutate');
      const { p, r } = chosen;
      // Evaluate again with grants removed from a fresh index: across accounts each side's grant
      // alone is decisive, so each is removed on its own; within an account all are removed.
      const crossAccount = r.grants.some((g) => g.policyType === 'resource') && r.grants.some((g) => g.policyType !== 'resource');
      const removals = crossAccount ? r.grants.map((g) => [g]) : [r.grants];
      for (const removal of removals) {
        const fresh = prepare(dir);
        const proof = fresh.proofs.find((x) => x.action === p.action && x.resource === p.resource && x.actor.role && x.actor.role.arn === p.actor.role.arn);
        for (const g of removal) {
          if (g.policyType === 'resource') {
            const rp = fresh.index.resourcePolicies.get(p.owner);
            rp.policy.Statement = rp.policy.Statement.filter((_, i) => i !== g.statementIndex - 1);
          } else {
            const role = fresh.index.roles.get(p.actor.role.arn);
            for (const ip of role.identityPolicies) {
              if (ip.name === g.policyIdentifier) ip.policy = { ...ip.policy, Statement: [].concat(ip.policy.Statement).filter((_, i) => i !== g.statementIndex - 1) };
            }
          }
        }
        const after = await evaluate(proof, fresh.index);
        assert.equal(after.ok, false, `removing ${removal.map((g) => `${g.policy} #${g.statementIndex}`).join(', ')} left the call allowed: ${after.message}`);
        t.diagnostic(`without ${removal.map((g) => `${g.policy} statement #${g.statementIndex}`).join(' and ')}: ${after.message}`);
      }
    });

    test('removing the CodeDeploy service role\'s grant on its traffic gate makes the invoke proof fail', async (t) => {
      const invokes = proofs.filter((p) => p.group.startsWith('hook AfterAllowTestTraffic ') && p.action === 'lambda:InvokeFunction' && p.expect === 'Allowed');
      if (!invokes.length) { t.skip('no deployment in this assembly'); return; }
      for (const p of invokes) {
        const fresh = prepare(dir);
        const role = fresh.index.roles.get(p.actor.role.arn);
        for (const ip of role.identityPolicies) {
          ip.policy = { ...ip.policy, Statement: [].concat(ip.policy.Statement).filter((st) => st.Sid !== 'InvokeTrafficGate') };
        }
        const proof = fresh.proofs.find((x) => x.group === p.group && x.action === p.action && x.resource === p.resource);
        const after = await evaluate(proof, fresh.index);
        assert.equal(after.ok, false, `without InvokeTrafficGate, ${p.actor.role.name} may still invoke ${p.resource}`);
        t.diagnostic(`without InvokeTrafficGate: ${after.message}`);
      }
    });

    for (const p of proofs) {
      test(proofName(p), async () => {
        const result = await evaluate(p, index);
        assert.ok(result.ok, result.message);
      });
    }
  });
}
