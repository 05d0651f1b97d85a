'use strict';
// Loads a synthesized cloud assembly (cdk.out) and resolves CloudFormation intrinsics into the
// concrete values AWS would see once deployed, each stack with its own account and region.
// A resource without a physical name gets a deterministic made-up one (stack + logical id), so
// its ARN is stable from run to run and still matches the policies that name it by token.
// Return values per resource type follow the "Return values" section of each resource's page in
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-template-resource-type-ref.html

const fs = require('node:fs');
const path = require('node:path');

const PARTITION = 'aws';
const URL_SUFFIX = 'amazonaws.com';

// Sentinel for { Ref: AWS::NoValue }: dropped from arrays and objects.
const NO_VALUE = Symbol('AWS::NoValue');

function loadAssembly(dir) {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const stacks = [];
  for (const [artifactId, artifact] of Object.entries(manifest.artifacts || {})) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const env = /^aws:\/\/(\d{12})\/([a-z0-9-]+)$/.exec(artifact.environment || '');
    if (!env) throw new Error(`${dir}: stack ${artifactId} has no concrete environment (${artifact.environment})`);
    const template = JSON.parse(fs.readFileSync(path.join(dir, artifact.properties.templateFile), 'utf8'));
    stacks.push({
      name: (artifact.properties && artifact.properties.stackName) || artifactId,
      account: env[1],
      region: env[2],
      template,
      resources: template.Resources || {},
    });
  }
  const assembly = { name: path.basename(path.resolve(dir)), dir, stacks };
  for (const stack of stacks) stack.assembly = assembly;
  return assembly;
}

function prop(stack, logicalId, name) {
  const r = stack.resources[logicalId];
  const v = r && r.Properties ? r.Properties[name] : undefined;
  return v === undefined ? undefined : resolve(v, stack);
}

function madeUpName(stack, logicalId) {
  // CloudFormation's own generated names look like <stack>-<logicalid>-<random>; ours are stable.
  return `${stack.name}-${logicalId}`.replace(/[^A-Za-z0-9-]/g, '').slice(0, 60);
}

function madeUpId(stack, logicalId) {
  // A KMS key id is a UUID; build a stable one from the logical id's hash.
  let h = 0n;
  for (const c of `${stack.account}/${stack.name}/${logicalId}`) h = (h * 131n + BigInt(c.charCodeAt(0))) % (1n << 128n);
  const hex = h.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function arnOf(stack, service, rest, { region = stack.region, account = stack.account } = {}) {
  return `arn:${PARTITION}:${service}:${region}:${account}:${rest}`;
}

// The physical name (Ref) and the attributes of one resource.
function physical(stack, logicalId) {
  stack._physical = stack._physical || {};
  if (stack._physical[logicalId]) return stack._physical[logicalId];
  const r = stack.resources[logicalId];
  if (!r) throw new Error(`${stack.name}: Ref/GetAtt to unknown resource ${logicalId}`);
  const p = (n) => prop(stack, logicalId, n);
  const name = (n) => p(n) || madeUpName(stack, logicalId);
  let ref;
  const att = {};
  switch (r.Type) {
    case 'AWS::IAM::Role': {
      const n = name('RoleName');
      ref = n;
      att.Arn = `arn:${PARTITION}:iam::${stack.account}:role${p('Path') || '/'}${n}`;
      att.RoleId = `AROA${logicalId.toUpperCase().slice(0, 17)}`;
      break;
    }
    case 'AWS::IAM::ManagedPolicy': {
      const n = name('ManagedPolicyName');
      ref = `arn:${PARTITION}:iam::${stack.account}:policy${p('Path') || '/'}${n}`;
      att.PolicyArn = ref;
      break;
    }
    case 'AWS::S3::Bucket': {
      ref = name('BucketName').toLowerCase();
      att.Arn = `arn:${PARTITION}:s3:::${ref}`;
      att.DomainName = `${ref}.s3.${URL_SUFFIX}`;
      att.RegionalDomainName = `${ref}.s3.${stack.region}.${URL_SUFFIX}`;
      break;
    }
    case 'AWS::KMS::Key':
      ref = madeUpId(stack, logicalId);
      att.Arn = arnOf(stack, 'kms', `key/${ref}`);
      att.KeyId = ref;
      break;
    case 'AWS::KMS::Alias':
      ref = p('AliasName');
      break;
    case 'AWS::ECR::Repository':
      ref = name('RepositoryName').toLowerCase();
      att.Arn = arnOf(stack, 'ecr', `repository/${ref}`);
      att.RepositoryUri = `${stack.account}.dkr.ecr.${stack.region}.${URL_SUFFIX}/${ref}`;
      break;
    case 'AWS::Logs::LogGroup':
      ref = name('LogGroupName');
      // GetAtt Arn of a log group ends with ":*".
      att.Arn = arnOf(stack, 'logs', `log-group:${ref}:*`);
      break;
    case 'AWS::CodeBuild::Project':
      ref = name('Name');
      att.Arn = arnOf(stack, 'codebuild', `project/${ref}`);
      break;
    case 'AWS::CodeBuild::ReportGroup': {
      const n = name('Name');
      ref = arnOf(stack, 'codebuild', `report-group/${n}`);
      att.Arn = ref;
      att.Name = n;
      break;
    }
    case 'AWS::SNS::Topic': {
      const n = name('TopicName');
      ref = arnOf(stack, 'sns', n);
      att.TopicArn = ref;
      att.TopicName = n;
      break;
    }
    case 'AWS::SQS::Queue': {
      const n = name('QueueName');
      ref = `https://sqs.${stack.region}.${URL_SUFFIX}/${stack.account}/${n}`;
      att.Arn = arnOf(stack, 'sqs', n);
      att.QueueName = n;
      break;
    }
    case 'AWS::Events::Rule':
      ref = name('Name');
      att.Arn = arnOf(stack, 'events', `rule/${ref}`);
      break;
    case 'AWS::DynamoDB::Table':
      ref = name('TableName');
      att.Arn = arnOf(stack, 'dynamodb', `table/${ref}`);
      break;
    case 'AWS::CodePipeline::Pipeline':
      ref = name('Name');
      break;
    case 'AWS::CodeCommit::Repository':
      ref = madeUpId(stack, logicalId);
      att.Name = p('RepositoryName');
      att.Arn = arnOf(stack, 'codecommit', att.Name);
      att.CloneUrlHttp = `https://git-codecommit.${stack.region}.${URL_SUFFIX}/v1/repos/${att.Name}`;
      break;
    case 'AWS::ECS::Cluster':
      ref = name('ClusterName');
      att.Arn = arnOf(stack, 'ecs', `cluster/${ref}`);
      break;
    case 'AWS::ECS::Service': {
      const n = name('ServiceName');
      const cluster = p('Cluster') || 'default';
      const clusterName = cluster.startsWith('arn:') ? cluster.split('/').pop() : cluster;
      ref = arnOf(stack, 'ecs', `service/${clusterName}/${n}`);
      att.ServiceArn = ref;
      att.Name = n;
      break;
    }
    case 'AWS::ECS::TaskDefinition':
      ref = arnOf(stack, 'ecs', `task-definition/${p('Family') || madeUpName(stack, logicalId)}:1`);
      att.TaskDefinitionArn = ref;
      break;
    case 'AWS::CodeDeploy::Application':
      ref = name('ApplicationName');
      break;
    case 'AWS::CodeDeploy::DeploymentGroup':
      ref = name('DeploymentGroupName');
      break;
    case 'AWS::CodeDeploy::DeploymentConfig':
      ref = name('DeploymentConfigName');
      break;
    case 'AWS::Lambda::Function':
      ref = name('FunctionName');
      att.Arn = arnOf(stack, 'lambda', `function:${ref}`);
      break;
    case 'AWS::SSM::Parameter':
      ref = name('Name');
      break;
    case 'AWS::SecretsManager::Secret': {
      const n = name('Name');
      ref = arnOf(stack, 'secretsmanager', `secret:${n}-AbCdEf`);
      att.Id = ref;
      break;
    }
    case 'AWS::CloudWatch::Alarm':
      ref = name('AlarmName');
      att.Arn = arnOf(stack, 'cloudwatch', `alarm:${ref}`);
      break;
    case 'AWS::IAM::OIDCProvider':
      ref = `arn:${PARTITION}:iam::${stack.account}:oidc-provider/${(p('Url') || 'oidc').replace(/^https:\/\//, '')}`;
      att.Arn = ref;
      break;
    default:
      ref = madeUpName(stack, logicalId);
  }
  const value = { ref, att };
  stack._physical[logicalId] = value;
  return value;
}

function getAtt(stack, logicalId, attribute) {
  const { att } = physical(stack, logicalId);
  if (att[attribute] !== undefined) return att[attribute];
  // Attributes we do not model (listener ARNs, target group names, security group ids): a
  // deterministic placeholder. They never take part in an IAM decision here.
  return `${madeUpName(stack, logicalId)}.${attribute}`;
}

function pseudo(stack, name) {
  switch (name) {
    case 'AWS::AccountId': return stack.account;
    case 'AWS::Region': return stack.region;
    case 'AWS::Partition': return PARTITION;
    case 'AWS::URLSuffix': return URL_SUFFIX;
    case 'AWS::StackName': return stack.name;
    case 'AWS::StackId': return arnOf(stack, 'cloudformation', `stack/${stack.name}/00000000-0000-0000-0000-000000000000`);
    case 'AWS::NoValue': return NO_VALUE;
    case 'AWS::NotificationARNs': return [];
    default: return undefined;
  }
}

function ref(stack, name) {
  const p = pseudo(stack, name);
  if (p !== undefined) return p;
  const param = stack.template.Parameters && stack.template.Parameters[name];
  if (param) return param.Default !== undefined ? param.Default : `${name}-parameter`;
  return physical(stack, name).ref;
}

function sub(stack, text, vars) {
  return text.replace(/\$\{([^}!][^}]*)\}/g, (_, expr) => {
    if (vars && Object.prototype.hasOwnProperty.call(vars, expr)) return String(resolve(vars[expr], stack));
    if (expr.includes('.')) {
      const [id, ...attr] = expr.split('.');
      return getAtt(stack, id, attr.join('.'));
    }
    return String(ref(stack, expr));
  });
}

// Resolves every intrinsic in a value, recursively.
function resolve(value, stack) {
  if (Array.isArray(value)) return value.map((v) => resolve(v, stack)).filter((v) => v !== NO_VALUE);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [k] = keys;
    const a = value[k];
    switch (k) {
      case 'Ref': return ref(stack, a);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(a) ? a : [a.slice(0, a.indexOf('.')), a.slice(a.indexOf('.') + 1)];
        return getAtt(stack, id, attr);
      }
      case 'Fn::Join': {
        const [sep, parts] = a;
        return resolve(parts, stack).join(sep);
      }
      case 'Fn::Sub':
        return typeof a === 'string' ? sub(stack, a) : sub(stack, a[0], a[1]);
      case 'Fn::Select': {
        const [i, list] = a;
        return resolve(list, stack)[Number(resolve(i, stack))];
      }
      case 'Fn::Split': {
        const [sep, s] = a;
        return String(resolve(s, stack)).split(sep);
      }
      case 'Fn::Base64':
        return Buffer.from(String(resolve(a, stack))).toString('base64');
      case 'Fn::GetAZs':
        return [`${stack.region}a`, `${stack.region}b`, `${stack.region}c`];
      case 'Fn::ImportValue': {
        const name = resolve(a, stack);
        for (const s of stack.assembly ? stack.assembly.stacks : [stack]) {
          for (const out of Object.values(s.template.Outputs || {})) {
            if (out.Export && resolve(out.Export.Name, s) === name) return resolve(out.Value, s);
          }
        }
        throw new Error(`${stack.name}: Fn::ImportValue ${name} has no export in the assembly`);
      }
      default:
        if (k.startsWith('Fn::')) throw new Error(`${stack.name}: intrinsic ${k} is not supported by tools/access`);
    }
  }
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    const r = resolve(v, stack);
    if (r !== NO_VALUE) out[k] = r;
  }
  return out;
}

// Every resource of a type across the assembly, resolved lazily.
function resourcesOfType(assembly, type) {
  const found = [];
  for (const stack of assembly.stacks) {
    for (const [logicalId, r] of Object.entries(stack.resources)) {
      if (r.Type === type) found.push({ stack, logicalId, resource: r, props: () => resolve(r.Properties || {}, stack) });
    }
  }
  return found;
}

module.exports = { loadAssembly, resolve, physical, getAtt, resourcesOfType, PARTITION, URL_SUFFIX };
