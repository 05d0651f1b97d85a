'use strict';
// Indexes, for one assembly, the policies IAM evaluates: each role's identity policies (inline
// Policies, AWS::IAM::Policy and customer-managed AWS::IAM::ManagedPolicy attached to it), its
// permissions boundary and trust policy, and the resource policies of buckets, keys,
// repositories and topics, all keyed by concrete ARN.

const { resolve, physical, getAtt, resourcesOfType } = require('./assembly');

function roleArns(value) {
  return [].concat(value || []);
}

function buildIndex(assembly) {
  const roles = new Map(); // role ARN -> role
  const roleByName = new Map(); // `${account}/${name}` -> role
  const resourcePolicies = new Map(); // resource ARN -> { policy, origin }
  const managedPolicies = new Map(); // policy ARN -> { name, policy }

  for (const { stack, logicalId, props } of resourcesOfType(assembly, 'AWS::IAM::ManagedPolicy')) {
    const p = props();
    const arn = physical(stack, logicalId).ref;
    managedPolicies.set(arn, { name: `${stack.name}/${logicalId}`, policy: p.PolicyDocument, roles: p.Roles || [] });
  }

  for (const { stack, logicalId, props } of resourcesOfType(assembly, 'AWS::IAM::Role')) {
    const p = props();
    const arn = getAtt(stack, logicalId, 'Arn');
    const role = {
      arn,
      name: physical(stack, logicalId).ref,
      account: stack.account,
      region: stack.region,
      stack: stack.name,
      logicalId,
      trust: p.AssumeRolePolicyDocument,
      identityPolicies: [],
      // AWS-managed policies (arn:aws:iam::aws:policy/...) are not shipped by the iam-simulate
      // packages; a role that relies on one is left out of the proofs (see derive.js).
      awsManagedPolicies: [],
      boundary: undefined,
    };
    for (const inline of p.Policies || []) {
      role.identityPolicies.push({ name: `${stack.name}/${logicalId}/${inline.PolicyName}`, policy: inline.PolicyDocument });
    }
    for (const m of p.ManagedPolicyArns || []) {
      if (/^arn:[^:]+:iam::aws:policy\//.test(m)) role.awsManagedPolicies.push(m);
      else role.identityPolicies.push({ managedArn: m });
    }
    if (p.PermissionsBoundary) role.boundaryArn = p.PermissionsBoundary;
    roles.set(arn, role);
    roleByName.set(`${stack.account}/${role.name}`, role);
  }

  for (const { stack, logicalId, props } of resourcesOfType(assembly, 'AWS::IAM::Policy')) {
    const p = props();
    for (const roleName of roleArns(p.Roles)) {
      const role = roleByName.get(`${stack.account}/${roleName}`);
      if (role) role.identityPolicies.push({ name: `${stack.name}/${logicalId}`, policy: p.PolicyDocument });
    }
  }
  for (const [arn, m] of managedPolicies) {
    for (const roleName of m.roles) {
      const role = [...roles.values()].find((r) => r.name === roleName && arn.includes(`::${r.account}:`));
      if (role) role.identityPolicies.push({ managedArn: arn });
    }
  }
  for (const role of roles.values()) {
    const seen = new Set();
    role.identityPolicies = role.identityPolicies
      .map((ip) => (ip.managedArn ? managedPolicies.get(ip.managedArn) && { name: ip.managedArn, policy: managedPolicies.get(ip.managedArn).policy } : ip))
      .filter((ip) => ip && !seen.has(ip.name) && seen.add(ip.name));
    if (role.boundaryArn) {
      const b = managedPolicies.get(role.boundaryArn);
      role.boundary = b ? [{ name: role.boundaryArn, policy: b.policy }] : undefined;
      if (!b) role.unknownBoundary = role.boundaryArn;
    }
  }

  const addResourcePolicy = (arn, policy, origin, stack) => {
    if (!policy) return;
    const existing = resourcePolicies.get(arn);
    if (existing) existing.policy.Statement = [].concat(existing.policy.Statement, policy.Statement);
    else resourcePolicies.set(arn, { policy: { Version: policy.Version || '2012-10-17', Statement: [].concat(policy.Statement) }, origin, stack });
  };

  for (const { stack, logicalId, props } of resourcesOfType(assembly, 'AWS::S3::BucketPolicy')) {
    const p = props();
    addResourcePolicy(`arn:aws:s3:::${p.Bucket}`, p.PolicyDocument, `${stack.name}/${logicalId}`, stack.name);
  }
  for (const { stack, logicalId, props } of resourcesOfType(assembly, 'AWS::KMS::Key')) {
    const p = props();
    addResourcePolicy(getAtt(stack, logicalId, 'Arn'), p.KeyPolicy, `${stack.name}/${logicalId} KeyPolicy`, stack.name);
  }
  for (const { stack, logicalId, props } of resourcesOfType(assembly, 'AWS::ECR::Repository')) {
    const p = props();
    addResourcePolicy(getAtt(stack, logicalId, 'Arn'), p.RepositoryPolicyText, `${stack.name}/${logicalId} RepositoryPolicyText`, stack.name);
  }
  for (const { stack, logicalId, props } of resourcesOfType(assembly, 'AWS::SNS::TopicPolicy')) {
    const p = props();
    for (const topic of p.Topics || []) addResourcePolicy(topic, JSON.parse(JSON.stringify(p.PolicyDocument)), `${stack.name}/${logicalId}`, stack.name);
  }
  for (const role of roles.values()) {
    addResourcePolicy(role.arn, role.trust, `${role.stack}/${role.logicalId} AssumeRolePolicyDocument`, role.stack);
  }

  // Key aliases: kms:ResourceAliases is the list of aliases that point at the key.
  const aliases = new Map(); // key ARN -> [alias names]
  for (const { props } of resourcesOfType(assembly, 'AWS::KMS::Alias')) {
    const p = props();
    const key = p.TargetKeyId;
    const keyArn = key.startsWith('arn:') ? key : [...resourcePolicies.keys()].find((a) => a.endsWith(`:key/${key}`));
    if (keyArn) aliases.set(keyArn, [...(aliases.get(keyArn) || []), p.AliasName]);
  }

  // Lambda permissions are the function's resource policy, statement by statement, as Lambda
  // itself stores them (https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html).
  for (const { stack, logicalId, props } of resourcesOfType(assembly, 'AWS::Lambda::Permission')) {
    const p = props();
    const fn = p.FunctionName.startsWith('arn:') ? p.FunctionName : `arn:aws:lambda:${stack.region}:${stack.account}:function:${p.FunctionName}`;
    const condition = {};
    if (p.SourceArn) condition.ArnLike = { 'aws:SourceArn': p.SourceArn };
    if (p.SourceAccount) condition.StringEquals = { 'aws:SourceAccount': p.SourceAccount };
    const principal = /^\d{12}$/.test(p.Principal) ? { AWS: `arn:aws:iam::${p.Principal}:root` } : p.Principal.startsWith('arn:') ? { AWS: p.Principal } : { Service: p.Principal };
    addResourcePolicy(fn, { Version: '2012-10-17', Statement: [{ Sid: logicalId, Effect: 'Allow', Principal: principal, Action: p.Action, Resource: fn, ...(Object.keys(condition).length ? { Condition: condition } : {}) }] }, `${stack.name} AWS::Lambda::Permission resources`);
  }

  // Which key encrypts what: bucket default encryption, topic master keys, secrets.
  const bucketKeys = new Map();
  const bucketAccounts = new Map();
  for (const { stack, logicalId, props } of resourcesOfType(assembly, 'AWS::S3::Bucket')) {
    const p = props();
    const bucket = physical(stack, logicalId).ref;
    bucketAccounts.set(bucket, stack.account);
    for (const rule of (p.BucketEncryption && p.BucketEncryption.ServerSideEncryptionConfiguration) || []) {
      const d = rule.ServerSideEncryptionByDefault || {};
      if (d.SSEAlgorithm && d.SSEAlgorithm.startsWith('aws:kms') && d.KMSMasterKeyID) bucketKeys.set(bucket, toKeyArn(d.KMSMasterKeyID, stack, aliases));
    }
  }
  const topicKeys = new Map();
  for (const { stack, logicalId, props } of resourcesOfType(assembly, 'AWS::SNS::Topic')) {
    const p = props();
    // alias/aws/sns is AWS-managed: its key policy is not ours to prove.
    if (p.KmsMasterKeyId && !/alias\/aws\//.test(p.KmsMasterKeyId)) topicKeys.set(physical(stack, logicalId).ref, toKeyArn(p.KmsMasterKeyId, stack, aliases));
  }
  const secretKeys = new Map();
  for (const { stack, logicalId, props } of resourcesOfType(assembly, 'AWS::SecretsManager::Secret')) {
    const p = props();
    if (p.KmsKeyId) secretKeys.set(physical(stack, logicalId).ref, toKeyArn(p.KmsKeyId, stack, aliases));
  }

  return { roles, roleByName, resourcePolicies, aliases, bucketKeys, bucketAccounts, topicKeys, secretKeys };
}

function toKeyArn(id, stack, aliases) {
  if (id.includes(':key/')) return id;
  const alias = id.includes('alias/') ? id.slice(id.indexOf('alias/')) : undefined;
  if (alias) {
    for (const [k, names] of aliases) if (names.includes(alias)) return k;
    return `arn:aws:kms:${stack.region}:${stack.account}:${alias}`;
  }
  return `arn:aws:kms:${stack.region}:${stack.account}:key/${id}`;
}

module.exports = { buildIndex };
