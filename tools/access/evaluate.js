'use strict';
// Evaluates one derived call with @cloud-copilot/iam-simulate: the actor's identity policies and
// permissions boundary, and the resource policy of the resource's owner (bucket, key, repository,
// topic, role trust). The simulator applies the cross-account rule (both sides must allow) and
// the trust-policy and key-policy special cases itself; nothing here decides access.
// @cloud-copilot/iam-simulate is AGPL-3.0: a test-time devDependency only, never shipped.

const path = require('node:path');
const { runSimulation, getDenialReasons, getGrantReasons } = require('@cloud-copilot/iam-simulate');

// iam-simulate 0.1.173 validates context keys and drops variable keys whose variable part follows
// a colon (kms:EncryptionContext:aws:sns:topicArn), so a key policy conditioned on an encryption
// context could never match. For those requests only, call the same library's core engine
// (what its runUnsafeSimulation does) with the context as given.
const simulateRoot = path.dirname(require.resolve('@cloud-copilot/iam-simulate'));
function coreAuthorize(simulation) {
  const { loadPolicy } = require('@cloud-copilot/iam-policy');
  const { authorize } = require(path.join(simulateRoot, 'core_engine/CoreSimulatorEngine.js'));
  const { AwsRequestImpl } = require(path.join(simulateRoot, 'request/request.js'));
  const { RequestContextImpl } = require(path.join(simulateRoot, 'requestContext.js'));
  const { DiscoveryContextKeyConstraints } = require(path.join(simulateRoot, 'context_keys/discoveryContextKeyConstraints.js'));
  const r = simulation.request;
  return authorize({
    request: new AwsRequestImpl(r.principal, { resource: r.resource.resource, accountId: r.resource.accountId }, r.action, new RequestContextImpl(r.contextVariables)),
    sessionPolicy: undefined,
    identityPolicies: simulation.identityPolicies.map((p) => loadPolicy(p.policy, { name: p.name })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: simulation.resourcePolicy ? loadPolicy(simulation.resourcePolicy, { name: 'resource policy' }) : undefined,
    permissionBoundaries: simulation.permissionBoundaryPolicies ? simulation.permissionBoundaryPolicies.map((p) => loadPolicy(p.policy, { name: p.name })) : undefined,
    vpcEndpointPolicies: undefined,
    simulationParameters: { simulationMode: 'Strict', discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]) },
    serviceSettings: { s3: { blockPublicAccess: undefined } },
  });
}

// The resource whose policy governs a request: the bucket for an object, else the resource
// itself (key, repository, topic, role, function).
function policyOwner(resource) {
  if (resource.startsWith('arn:aws:s3:::')) return resource.split('/')[0];
  return resource;
}

function accountOf(resource, index) {
  const m = /^arn:[^:]+:[^:]+:[^:]*:(\d{12})?:/.exec(resource);
  if (m && m[1]) return m[1];
  if (resource.startsWith('arn:aws:s3:::')) {
    const bucket = resource.slice('arn:aws:s3:::'.length).split('/')[0];
    return index.bucketAccounts.get(bucket);
  }
  return undefined;
}

function sessionArn(role) {
  return `arn:aws:sts::${role.account}:assumed-role/${role.name}/slipway-access-proof`;
}

function describeActor(actor) {
  if (actor.role) return `role ${actor.role.name} (${actor.role.stack}/${actor.role.logicalId})`;
  return actor.label;
}

function describeStatement(reason, proof, index) {
  const policyType = { identity: 'identity policy', resource: 'resource policy', pb: 'permissions boundary', scp: 'SCP', rcp: 'RCP', vpce: 'VPC endpoint policy' }[reason.policyType] || reason.policyType;
  if (reason.denialType === 'Explicit') {
    const where = reason.policyType === 'resource' ? (index.resourcePolicies.get(proof.owner) || {}).origin : reason.policyIdentifier;
    return `explicit Deny in the ${policyType} ${where || ''}, statement ${reason.statementId ? `Sid "${reason.statementId}"` : `#${reason.statementIndex}`}`;
  }
  if (reason.policyType === 'resource') {
    const rp = index.resourcePolicies.get(proof.owner);
    return rp ? `no statement of the resource policy ${rp.origin} allows it` : `the resource has no resource policy in the assembly, and the call needs one`;
  }
  if (reason.policyType === 'identity') return `no statement of the actor's identity policies allows it (${proof.actor.role ? proof.actor.role.identityPolicies.map((p) => p.name).join(', ') || 'none attached' : 'no identity policies'})`;
  return `the ${policyType} has no statement allowing it`;
}

async function evaluate(proof, index) {
  if (proof.missing) return { ok: false, result: 'Missing', message: `${headline(proof)}: ${proof.missing}` };
  const actor = proof.actor;
  const owner = proof.owner || policyOwner(proof.resource);
  proof.owner = owner;
  const resourceAccount = proof.resourceAccount || accountOf(proof.resource, index) || (actor.role ? actor.role.account : actor.account);
  const principal = actor.role ? sessionArn(actor.role) : actor.principal;
  const contextVariables = { 'aws:SecureTransport': 'true', ...(proof.context || {}) };
  if (actor.role) {
    contextVariables['aws:PrincipalArn'] = actor.role.arn;
    contextVariables['aws:PrincipalAccount'] = actor.role.account;
    // A recreated role: same ARN, new unique id (recreated.js).
    if (proof.recreated) contextVariables['aws:userid'] = `${recreated().uniqueId(actor.role, 'recreated')}:slipway-access-proof`;
  } else if (actor.account) {
    contextVariables['aws:PrincipalAccount'] = actor.account;
    if (!actor.service) contextVariables['aws:PrincipalArn'] = actor.principal;
  }
  const rp = proof.noResourcePolicy ? undefined : index.resourcePolicies.get(owner);
  const simulation = {
    request: { principal, action: proof.action, resource: { resource: proof.resource, accountId: resourceAccount }, contextVariables },
    identityPolicies: actor.role ? actor.role.identityPolicies : actor.identityPolicies || [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: rp ? (proof.recreated && actor.role ? recreated().asStoredAfterRecreation(rp.policy, actor.role) : rp.policy) : undefined,
    permissionBoundaryPolicies: actor.role ? actor.role.boundary : undefined,
  };
  let response = await runSimulation(simulation, {});
  if (response.resultType !== 'error' && Object.keys(contextVariables).some((k) => k.startsWith('kms:EncryptionContext:'))) {
    const analysis = coreAuthorize(simulation);
    response = { resultType: 'single', overallResult: analysis.result, result: { analysis } };
  }
  if (response.resultType === 'error') {
    return { ok: false, result: 'Error', message: `${headline(proof)}: the simulator rejected the request: ${response.errors.message} ${JSON.stringify(response.errors)}` };
  }
  const result = response.overallResult;
  const allowed = result === 'Allowed';
  const ok = proof.expect === 'Denied' ? !allowed : allowed;
  let message = `${headline(proof)}: ${result}`;
  const analysis = response.resultType === 'single' ? response.result.analysis : response.results[0] && response.results[0].analysis;
  const grants = allowed && analysis ? getGrantReasons(analysis).map((g) => ({ ...g, policy: grantPolicyName(g, proof, index) })) : [];
  if (!ok) {
    if (proof.expect === 'Denied') {
      message += ` but must be denied (${proof.why || 'negative proof'}); allowed by ${grants.map(describeGrant).join('; ') || 'an unnamed statement'}`;
    } else {
      // A service principal has no identity policies: only the resource side can decide.
      const reasons = (analysis ? getDenialReasons(analysis) : []).filter((r) => !(actor.service && r.policyType === 'identity'));
      message += `; ${reasons.map((r) => describeStatement(r, proof, index)).join('; ') || 'no allowing statement'}`;
      if (proof.why) message += ` (needed because ${proof.why})`;
    }
  }
  return { ok, result, message, grants };
}

function grantPolicyName(g, proof, index) {
  if (g.policyType === 'resource') return (index.resourcePolicies.get(proof.owner) || {}).origin || 'resource policy';
  return g.policyIdentifier;
}

function describeGrant(g) {
  const kind = { identity: 'identity policy', resource: 'resource policy', pb: 'permissions boundary' }[g.policyType] || g.policyType;
  return `${kind} ${g.policy}, statement ${g.statementId ? `Sid "${g.statementId}"` : `#${g.statementIndex}`}`;
}

function headline(proof) {
  return `[${proof.assembly}] ${describeActor(proof.actor)}${proof.recreated ? ' (recreated: same ARN, new unique id)' : ''} ${proof.action} on ${proof.resource}`;
}

// Loaded on first use: recreated.js requires this module.
function recreated() {
  return require('./recreated');
}

module.exports = { evaluate, describeActor, sessionArn, policyOwner };
