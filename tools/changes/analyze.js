#!/usr/bin/env node
'use strict';
// What deploying one cloud assembly over another does, stack by stack: resources added, removed,
// changed and REPLACED (with the property that forces it, from the resource spec of
// @aws-cdk/cloudformation-diff, the library behind `cdk diff`), replacements that CASCADE through
// Ref/GetAtt/Fn::Sub, and the changes CloudFormation or ECS refuse:
//   custom-name     a resource with an explicit physical name must be replaced under the same name
//   name-reuse      a new resource takes the physical name of one that is removed or replaced
//   code-deploy     an update ECS rejects on a service under the CODE_DEPLOY deployment controller
//   data-loss       a stateful resource (bucket, repository, key, table, log group) is replaced or removed
//   listener-port   a new listener takes a port that another listener of its load balancer leaves in the same update
// and what the pipeline rolls out instead (the task definitions and appspecs the build generates).
//
//   node tools/changes/analyze.js BEFORE_DIR AFTER_DIR [--json] [--allow-data-loss TYPE_OR_ID]...
// Exit codes: 0 everything deploys in place, 4 something is replaced (or a stateful resource
// removed), 5 something would be refused, 2 bad input (the message says what was expected).

const fs = require('node:fs');
const path = require('node:path');
const { fullDiff, deepEqual } = require('@aws-cdk/cloudformation-diff');

const EXIT = { inPlace: 0, badInput: 2, replaced: 4, refused: 5 };

// "CloudFormation cannot update a stack when a custom-named resource requires replacing": a
// replacement is created before the old resource is deleted, and the name is still taken.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html
// The name property of a type is `Name` or `<Type>Name` (RoleName, ClusterName, LogGroupName...);
// these types name it otherwise.
const NAME_PROPERTY = {
  'AWS::EC2::SecurityGroup': 'GroupName',
  'AWS::KMS::Alias': 'AliasName',
  'AWS::IAM::InstanceProfile': 'InstanceProfileName',
};
// Names that are not physical names: an inline policy's name is unique only within its role and
// changes in place; a task definition's family takes a new revision on every replacement.
const NOT_A_PHYSICAL_NAME = new Set(['AWS::IAM::Policy', 'AWS::ECS::TaskDefinition']);
// IAM names are unique per account, every other name per account and region.
const GLOBAL_NAMESPACE = /^AWS::IAM::/;

// Resources that hold data (DESIGN.md, issue 12): replacing or removing one loses it unless its
// DeletionPolicy (removal) or UpdateReplacePolicy (replacement) is Retain or Snapshot.
const STATEFUL = new Set([
  'AWS::S3::Bucket', 'AWS::ECR::Repository', 'AWS::KMS::Key', 'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable', 'AWS::Logs::LogGroup',
]);

// ECS UpdateService: "For services using the blue/green (CODE_DEPLOY) deployment controller, only
// the desired count, deployment configuration, health check grace period, task placement
// constraints and strategies, enable ECS managed tags option, and propagate tags can be updated
// using this API. If the network configuration, platform version, task definition, or load
// balancer need to be updated, create a new CodeDeploy deployment."
// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html
// (its loadBalancers parameter: "For services that use blue/green deployments, you can update
// Elastic Load Balancing target groups by using CreateDeployment through CodeDeploy").
// CloudFormation updates AWS::ECS::Service through that API (aws-cdk #23564: "Unable to update
// task definition on services with a CODE_DEPLOY deployment controller"). Tags go through
// TagResource, not UpdateService.
const CODE_DEPLOY_UPDATABLE = new Set([
  'DesiredCount', 'DeploymentConfiguration', 'HealthCheckGracePeriodSeconds', 'PlacementConstraints',
  'PlacementStrategies', 'EnableECSManagedTags', 'PropagateTags', 'Tags',
]);
const CODE_DEPLOY_ROUTE = {
  TaskDefinition: 'a new task definition reaches the service through the pipeline (a CodeDeploy deployment of the generated taskdef and appspec)',
  LoadBalancers: 'the target groups and container port of the service change only through a new service (or a CodeDeploy deployment for the container port)',
  NetworkConfiguration: 'subnets and security groups of the service change only through a CodeDeploy deployment or a new service',
  PlatformVersion: 'the platform version reaches the service through the appspec of a CodeDeploy deployment',
};

class AssemblyError extends Error {}

/** The stacks of a cloud assembly directory: [{ id, stackName, account, region, template }]. */
function readAssembly(dir) {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) {
    throw new AssemblyError(`${dir}: no cloud assembly there (expected a directory written by \`slipway synth\` or \`cdk synth\`, with a manifest.json)`);
  }
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  } catch (e) {
    throw new AssemblyError(`${manifestFile}: not a cloud assembly manifest (${e.message})`);
  }
  const stacks = [];
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const props = artifact.properties ?? {};
    const file = path.join(dir, props.templateFile ?? `${id}.template.json`);
    if (!fs.existsSync(file)) throw new AssemblyError(`${dir}: stack ${id} names the template ${props.templateFile}, which is missing`);
    const env = /^aws:\/\/([^/]+)\/(.+)$/.exec(artifact.environment ?? '') ?? [];
    stacks.push({
      id, stackName: props.stackName ?? id, account: env[1] ?? 'unknown-account', region: env[2] ?? 'unknown-region',
      service: props.tags?.Service,
      template: JSON.parse(fs.readFileSync(file, 'utf8')),
    });
  }
  if (stacks.length === 0) throw new AssemblyError(`${manifestFile}: the assembly has no CloudFormation stacks`);
  return stacks;
}

function namePropertyOf(type, resource) {
  if (NOT_A_PHYSICAL_NAME.has(type) || !type.startsWith('AWS::')) return undefined;
  const props = resource?.Properties ?? {};
  const candidates = [NAME_PROPERTY[type], `${type.split('::')[2]}Name`, 'Name'].filter(Boolean);
  return candidates.find(p => props[p] !== undefined);
}

// A security group rule has no name, but EC2 refuses a second identical rule
// (InvalidPermission.Duplicate, "the specified rule already exists"): its identity is its content.
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
const RULE_TYPES = new Set(['AWS::EC2::SecurityGroupIngress', 'AWS::EC2::SecurityGroupEgress']);

function physicalName(stack, logicalId, resource, replaced = new Set()) {
  if (RULE_TYPES.has(resource.Type)) {
    // A rule that refers to a replaced group is a rule of the new group.
    const { Description, ...rule } = markReferences(resource.Properties ?? {}, replaced);
    const value = JSON.stringify(Object.fromEntries(Object.entries(rule).sort(([a], [b]) => a.localeCompare(b))));
    return { property: 'rule', value, key: `${stack.account}/${stack.region}|${resource.Type}|${value}` };
  }
  const property = namePropertyOf(resource.Type, resource);
  if (!property) return undefined;
  const value = resource.Properties[property];
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  const scope = GLOBAL_NAMESPACE.test(resource.Type) ? stack.account : `${stack.account}/${stack.region}`;
  return { property, value: shown, key: `${scope}|${resource.Type}|${shown}` };
}

// Replaces every reference to a replaced resource by a value it cannot have had, so the diff sees
// that the referring property changes and says, from the resource spec, whether that replaces the
// referrer too.
function markReferences(value, replaced) {
  if (Array.isArray(value)) return value.map(v => markReferences(v, replaced));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [k] = keys;
    const v = value[k];
    if (k === 'Ref' && typeof v === 'string' && replaced.has(v)) return `{replaced ${v}}`;
    if (k === 'Fn::GetAtt') {
      const target = Array.isArray(v) ? v[0] : typeof v === 'string' ? v.split('.')[0] : undefined;
      if (typeof target === 'string' && replaced.has(target)) return `{replaced ${target}}`;
    }
    if (k === 'Fn::Sub') {
      const [text, vars] = Array.isArray(v) ? v : [v, {}];
      if (typeof text === 'string') {
        const marked = text.replace(/\$\{([^}!.]+)(\.[^}]+)?\}/g, (m, id) => (replaced.has(id) && !(vars && id in vars)) ? `{replaced ${id}}` : m);
        const markedVars = vars ? markReferences(vars, replaced) : vars;
        return { 'Fn::Sub': Array.isArray(v) ? [marked, markedVars] : marked };
      }
    }
  }
  return Object.fromEntries(keys.map(k => [k, markReferences(value[k], replaced)]));
}

function referencedIds(value, into = new Set()) {
  if (Array.isArray(value)) { value.forEach(v => referencedIds(v, into)); return into; }
  if (value === null || typeof value !== 'object') return into;
  for (const [k, v] of Object.entries(value)) {
    if (k === 'Ref' && typeof v === 'string') into.add(v);
    else if (k === 'Fn::GetAtt') into.add(Array.isArray(v) ? v[0] : String(v).split('.')[0]);
    else if (k === 'Fn::Sub') {
      const text = Array.isArray(v) ? v[0] : v;
      if (typeof text === 'string') for (const m of text.matchAll(/\$\{([^}!.]+)/g)) into.add(m[1]);
      if (Array.isArray(v)) referencedIds(v[1], into);
    } else referencedIds(v, into);
  }
  return into;
}

const IMPACT_REPLACE = new Set(['WILL_REPLACE', 'MAY_REPLACE']);

/** Diffs two templates of one stack; follows replacements through references to a fixed point. */
function diffStack(before, after) {
  const beforeResources = before?.Resources ?? {};
  const afterResources = after?.Resources ?? {};
  const direct = fullDiff(before ?? {}, after ?? {});
  const added = []; const removed = []; const changed = new Map(); const replaced = new Map();

  direct.resources.forEachDifference((id, diff) => {
    if (diff.isAddition) { added.push(id); return; }
    if (diff.isRemoval) { removed.push(id); return; }
    // The library follows WILL_REPLACE through Ref and Fn::GetAtt itself (diffTemplate): a property
    // whose value is unchanged in the template is such a cascade.
    const properties = Object.entries(diff.propertyUpdates).map(([name, pd]) => {
      const oldValue = beforeResources[id]?.Properties?.[name]; const newValue = afterResources[id]?.Properties?.[name];
      const cascade = deepEqual(oldValue, newValue);
      return { name, impact: pd.changeImpact, cascade, via: cascade ? [...referencedIds(newValue)] : [] };
    });
    changed.set(id, properties);
    if (diff.resourceTypeChanged) {
      replaced.set(id, { certain: true, causes: [{ property: 'Type', via: [] }] });
      return;
    }
    const causes = properties.filter(p => IMPACT_REPLACE.has(p.impact));
    if (causes.length) replaced.set(id, { certain: causes.some(p => p.impact === 'WILL_REPLACE'), causes: causes.map(p => ({ property: p.name, via: p.via, certain: p.impact === 'WILL_REPLACE' })) });
  });

  // Cascade: a replaced resource gets a new physical id, so every property that refers to it
  // changes; where the spec says that property forces replacement, the referrer is replaced too.
  for (let round = 0; round < 50; round++) {
    const marked = { ...after, Resources: markReferences(afterResources, new Set(replaced.keys())) };
    const next = fullDiff(before ?? {}, marked);
    let grew = false;
    next.resources.forEachDifference((id, diff) => {
      if (diff.isAddition || diff.isRemoval) return;
      const known = changed.get(id) ?? [];
      const byName = new Map(known.map(p => [p.name, p]));
      for (const [name, pd] of Object.entries(diff.propertyUpdates)) {
        if (byName.has(name)) continue;
        const via = [...referencedIds(afterResources[id]?.Properties?.[name])].filter(r => replaced.has(r));
        const property = { name, impact: pd.changeImpact, cascade: true, via };
        known.push(property);
        byName.set(name, property);
        if (IMPACT_REPLACE.has(pd.changeImpact)) {
          const entry = replaced.get(id) ?? { certain: false, causes: [] };
          entry.causes.push({ property: name, via, certain: pd.changeImpact === 'WILL_REPLACE' });
          entry.certain = entry.certain || pd.changeImpact === 'WILL_REPLACE';
          if (!replaced.has(id)) { replaced.set(id, entry); grew = true; }
        }
      }
      if (known.length) changed.set(id, known);
    });
    if (!grew) break;
  }
  for (const list of [...changed.values(), ...[...replaced.values()].map(e => e.causes)]) {
    for (const p of list) p.via = (p.via ?? []).filter(r => replaced.has(r));
  }
  return { added, removed, changed, replaced, beforeResources, afterResources };
}

// ELB allows one listener per port of a load balancer (CreateListener fails with
// DuplicateListener, "A listener with the specified port already exists":
// https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateListener.html).
// A listener created on a port that another listener leaves in the same update clashes: a
// removed listener is deleted only in the cleanup phase, after every create; an updated one is
// updated in parallel with the create unless a DependsOn orders them.
function listenerPortClashes(d) {
  const key = (r) => r?.Type === 'AWS::ElasticLoadBalancingV2::Listener' ? `${JSON.stringify(r.Properties?.LoadBalancerArn)}|${r.Properties?.Port}` : undefined;
  const dependsOn = (r) => [].concat(r?.DependsOn ?? []);
  const refused = [];
  const created = [...d.added, ...d.replaced.keys()].filter(id => key(d.afterResources[id]));
  for (const id of created) {
    const wanted = key(d.afterResources[id]);
    for (const [otherId, other] of Object.entries(d.beforeResources)) {
      if (otherId === id || key(other) !== wanted) continue;
      const after = d.afterResources[otherId];
      const how = !after ? 'removed' : d.replaced.has(otherId) ? 'replaced' : key(after) !== wanted ? 'moved to another port' : undefined;
      if (!how) { // still on the port after the update: two listeners on one port
        refused.push({ rule: 'listener-port', logicalId: id, type: d.afterResources[id].Type, message: `${short(id)} is created on port ${d.afterResources[id].Properties.Port} of a load balancer whose listener ${short(otherId)} keeps that port`, fix: 'give one of them another port' });
        continue;
      }
      if (how === 'moved to another port' && dependsOn(d.afterResources[id]).includes(otherId)) continue;
      refused.push({
        rule: 'listener-port', logicalId: id, type: d.afterResources[id].Type,
        message: `${short(id)} is created on port ${d.afterResources[id].Properties.Port}, which ${short(otherId)} holds until it is ${how}${how === 'removed' ? ' (in the cleanup phase, after every create)' : ' (in parallel with the create: nothing orders them)'}; ELB refuses a second listener on a port (DuplicateListener)`,
        fix: how === 'moved to another port' ? `make ${short(id)} depend on ${short(otherId)} (DependsOn), so the port is free first` : `keep the listener's logical id (construct id), or free the port in an earlier deployment`,
      });
    }
  }
  return refused;
}

// The task definitions and appspecs the image build writes for CodeDeploy (the buildspec holds
// them as `echo 'BASE64' | base64 -d > taskdef-ENV.json`): what a pipeline run rolls out.
function generatedFiles(template) {
  const files = {};
  const visit = v => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(/echo '([A-Za-z0-9+/=]+)' \| base64 -d > ((?:taskdef|appspec)-[A-Za-z0-9._-]+\.(?:json|yaml))/g)) {
        files[m[2]] = Buffer.from(m[1], 'base64').toString('utf8');
      }
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  for (const r of Object.values(template?.Resources ?? {})) {
    if (r.Type === 'AWS::CodeBuild::Project') visit(r.Properties?.Source?.BuildSpec);
  }
  return files;
}

function flatten(value, prefix, into) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      const label = v && typeof v === 'object' && typeof v.name === 'string' ? v.name : typeof v === 'object' && v && typeof v.key === 'string' ? v.key : String(i);
      flatten(v, `${prefix}[${label}]`, into);
    });
    if (value.length === 0) into[prefix] = '[]';
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, into);
  } else into[prefix] = value;
  return into;
}

function parseGenerated(name, text) {
  if (name.endsWith('.json')) {
    try { return flatten(JSON.parse(text), '', {}); } catch { /* compared as text below */ }
  }
  // appspec YAML: "Key: value" lines, indentation as the path.
  const out = {}; const stack = [];
  for (const line of text.split('\n')) {
    const m = /^(\s*)(?:- )?([A-Za-z0-9_]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const depth = m[1].length;
    while (stack.length && stack[stack.length - 1].depth >= depth) stack.pop();
    stack.push({ depth, key: m[2] });
    if (m[3] !== '') out[stack.map(s => s.key).join('.')] = m[3].replace(/^"(.*)"$/, '$1');
  }
  return out;
}

function rolloutChanges(beforeTemplate, afterTemplate) {
  const before = generatedFiles(beforeTemplate); const after = generatedFiles(afterTemplate);
  const changes = [];
  // Environment by environment in the buildspec's (the pipeline's) order, the task definition first.
  const files = [...new Set([...Object.keys(after), ...Object.keys(before)])];
  const environment = (file) => file.replace(/^(?:taskdef|appspec)-(.*)\.(?:json|yaml)$/, '$1');
  const environments = [...new Set(files.map(environment))];
  const order = (file) => environments.indexOf(environment(file)) * 2 + (file.startsWith('taskdef') ? 0 : 1);
  for (const file of files.sort((a, b) => order(a) - order(b))) {
    if (before[file] === after[file]) continue;
    if (before[file] === undefined) { changes.push({ file, what: 'new file' }); continue; }
    if (after[file] === undefined) { changes.push({ file, what: 'no longer generated' }); continue; }
    const a = parseGenerated(file, before[file]); const b = parseGenerated(file, after[file]);
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
      if (a[key] === b[key]) continue;
      // An entry of a named list (environment, secrets) is its value: its name and the empty
      // list it replaces say nothing more.
      const named = /\[([^\]]+)\]\.name$/.exec(key);
      if (named && (a[key] ?? b[key]) === named[1]) continue;
      if ((a[key] === '[]' && b[key] === undefined) || (b[key] === '[]' && a[key] === undefined)) continue;
      changes.push({ file, path: key, before: a[key], after: b[key] });
    }
  }
  return changes;
}

// Plain words for the fields of a task definition and an appspec that edits usually touch.
const ROLLOUT_WORDS = [
  [/^containerDefinitions\[([^\]]+)\]\.portMappings\[\d+\]\.containerPort$/, (m) => `container ${m[1]} port`],
  [/^containerDefinitions\[([^\]]+)\]\.environment\[([^\]]+)\]\.value$/, (m) => `container ${m[1]} environment ${m[2]}`],
  [/^containerDefinitions\[([^\]]+)\]\.secrets\[([^\]]+)\]\.valueFrom$/, (m) => `container ${m[1]} secret ${m[2]}`],
  [/^containerDefinitions\[([^\]]+)\]\.healthCheck\.(.+)$/, (m) => `container ${m[1]} health check ${m[2]}`],
  [/^(cpu|memory)$/, (m) => `task ${m[1]}`],
  [/^runtimePlatform\.cpuArchitecture$/, () => 'architecture'],
  [/^Resources\.TargetService\.Properties\.LoadBalancerInfo\.ContainerPort$/, () => 'load balancer container port'],
  [/^Resources\.TargetService\.Properties\.PlatformVersion$/, () => 'platform version'],
];
function rolloutWords(change) {
  if (!change.path) return `${change.file}: ${change.what}`;
  const found = ROLLOUT_WORDS.map(([re, words]) => [re.exec(change.path), words]).find(([m]) => m);
  const what = found ? found[1](found[0]) : change.path;
  return `${what} ${change.before ?? '(none)'} → ${change.after ?? '(none)'}`;
}

function short(id) { return id.replace(/[0-9A-F]{8}$/, ''); }

/**
 * Compares two assemblies. options.allowDataLoss: resource types or logical ids whose loss the
 * edit asks for (reported, not refused).
 */
function analyze(beforeDir, afterDir, options = {}) {
  const beforeStacks = readAssembly(beforeDir);
  const afterStacks = readAssembly(afterDir);
  return analyzeStacks(beforeStacks, afterStacks, options);
}

function analyzeStacks(beforeStacks, afterStacks, options = {}) {
  const allow = new Set(options.allowDataLoss ?? []);
  const byName = new Map(beforeStacks.map(s => [s.stackName, s]));
  const names = [...new Set([...afterStacks.map(s => s.stackName), ...beforeStacks.map(s => s.stackName)])];
  const afterByName = new Map(afterStacks.map(s => [s.stackName, s]));
  const common = afterStacks.filter(s => byName.has(s.stackName));
  if (options.requireCommonStack && common.length === 0) {
    throw new AssemblyError(`none of the stacks of the earlier assembly (${beforeStacks.map(s => s.stackName).join(', ')}) is one of this manifest's (${afterStacks.map(s => s.stackName).join(', ')}): expected an assembly synthesized from this manifest (same services, environments and suffix)`);
  }

  const released = new Map(); // physical name key -> who gives it up
  const claimed = [];         // { key, who } that a create takes
  const stacks = [];
  for (const stackName of names) {
    const b = byName.get(stackName); const a = afterByName.get(stackName);
    const stack = a ?? b;
    const report = {
      stackName, account: stack.account, region: stack.region,
      status: !b ? 'added' : !a ? 'removed' : 'present',
      added: [], removed: [], changed: [], replaced: [], refused: [], dataLoss: [], rollout: [], notes: [],
    };
    stacks.push(report);
    const d = diffStack(b?.template, a?.template);
    const resource = (id) => d.afterResources[id] ?? d.beforeResources[id];

    for (const id of d.added) {
      report.added.push({ logicalId: id, type: d.afterResources[id].Type });
      const n = physicalName(a, id, d.afterResources[id], new Set(d.replaced.keys()));
      if (n) claimed.push({ key: n.key, name: n, stackName, logicalId: id, type: d.afterResources[id].Type });
    }
    for (const id of d.removed) {
      const r = d.beforeResources[id];
      report.removed.push({ logicalId: id, type: r.Type });
      const n = physicalName(b, id, r);
      if (n) released.set(n.key, { stackName, logicalId: id, how: 'removed' });
      if (STATEFUL.has(r.Type) && !['Retain', 'RetainExceptOnCreate', 'Snapshot'].includes(r.DeletionPolicy)) {
        report.dataLoss.push({ logicalId: id, type: r.Type, how: 'removed', allowed: allow.has(r.Type) || allow.has(id) });
      }
    }
    for (const [id, properties] of d.changed) {
      if (d.replaced.has(id)) continue;
      report.changed.push({ logicalId: id, type: resource(id).Type, properties: properties.map(p => p.cascade ? `${p.name} (follows ${p.via.map(short).join(', ') || 'a replaced resource'})` : p.name) });
    }
    for (const [id, entry] of d.replaced) {
      const before = d.beforeResources[id]; const after = d.afterResources[id];
      const causes = entry.causes.map(c => c.via.length ? `${c.property} refers to the replaced ${c.via.map(short).join(', ')}` : `${c.property} changes`);
      report.replaced.push({ logicalId: id, type: after.Type, certain: entry.certain, because: causes });
      const oldName = physicalName(b, id, before); const newName = physicalName(a, id, after, new Set(d.replaced.keys()));
      if (newName && oldName && oldName.key === newName.key && !RULE_TYPES.has(after.Type)) {
        report.refused.push({
          rule: 'custom-name', logicalId: id, type: after.Type,
          message: `${short(id)} (${after.Type}) must be replaced (${causes.join('; ')}) but keeps its custom name ${newName.property}: ${newName.value}; CloudFormation cannot replace a custom-named resource`,
          fix: `give it a name that changes with its replacement-causing properties, or let CloudFormation name it`,
        });
      } else {
        if (oldName) released.set(oldName.key, { stackName, logicalId: id, how: 'replaced' });
        if (newName) claimed.push({ key: newName.key, name: newName, stackName, logicalId: id, type: after.Type });
      }
      if (STATEFUL.has(after.Type) && !['Retain', 'RetainExceptOnCreate', 'Snapshot'].includes(after.UpdateReplacePolicy)) {
        report.dataLoss.push({ logicalId: id, type: after.Type, how: 'replaced', allowed: allow.has(after.Type) || allow.has(id) });
      }
    }
    report.notes.push(...afterDeployNotes(d));
    // Updates (not replacements) of a CODE_DEPLOY service that UpdateService rejects.
    for (const [id, properties] of d.changed) {
      const before = d.beforeResources[id]; const after = d.afterResources[id];
      if (d.replaced.has(id) || after?.Type !== 'AWS::ECS::Service') continue;
      if (before?.Properties?.DeploymentController?.Type !== 'CODE_DEPLOY') continue;
      const rejected = properties.filter(p => !CODE_DEPLOY_UPDATABLE.has(p.name));
      for (const p of rejected) {
        report.refused.push({
          rule: 'code-deploy', logicalId: id, type: after.Type,
          message: `${short(id)} (ECS service under the CODE_DEPLOY controller): ${p.name} would change${p.cascade ? ` (it refers to the replaced ${p.via.map(short).join(', ')})` : ''}, and ECS rejects that update ("only the desired count, deployment configuration, health check grace period, task placement constraints and strategies, enable ECS managed tags option, and propagate tags can be updated")`,
          fix: CODE_DEPLOY_ROUTE[p.name] ?? 'this property changes only through a new service',
        });
      }
    }
    for (const loss of report.dataLoss.filter(l => !l.allowed)) {
      report.refused.push({
        rule: 'data-loss', logicalId: loss.logicalId, type: loss.type,
        message: `${short(loss.logicalId)} (${loss.type}) would be ${loss.how}: its data is lost`,
        fix: 'keep the resource (and its logical id), or set its removal policy to retain it',
      });
    }
    report.refused.push(...listenerPortClashes(d));
    report.rollout = rolloutChanges(b?.template, a?.template);
  }
  // A create runs before the old resource is deleted (replacement) or before the cleanup phase
  // deletes a removed one, and the name is still taken then.
  for (const c of claimed) {
    const r = released.get(c.key);
    if (!r || (r.stackName === c.stackName && r.logicalId === c.logicalId)) continue;
    const report = stacks.find(s => s.stackName === c.stackName);
    report.refused.push({
      rule: 'name-reuse', logicalId: c.logicalId, type: c.type,
      message: `${short(c.logicalId)} (${c.type}) is created with ${c.name.property}: ${c.name.value}, the name of ${short(r.logicalId)} in ${r.stackName}, which is ${r.how} only after the create: the name is still taken`,
      fix: 'keep the logical id (construct id) of the resource, or give the new resource another name',
    });
  }
  const refused = stacks.reduce((n, s) => n + s.refused.length, 0);
  const replaced = stacks.reduce((n, s) => n + s.replaced.length + s.dataLoss.length, 0);
  return { stacks, exitCode: refused ? EXIT.refused : replaced ? EXIT.replaced : EXIT.inPlace };
}

function list(items) { return items.join(', '); }

// What a deployer must know after a replacement that deploys fine (docs/day-two.md). A new CODE_DEPLOY
// service runs the newest registered revision of its task definition family (the service names the
// family, not a revision): the application the pipeline deployed last, or the placeholder when this
// update re-registers the bootstrap task definition. Its tasks register in a new, empty target group
// the production listener now forwards to, so production answers 503 until they are healthy.
function afterDeployNotes(d) {
  const notes = [];
  const replaced = [...d.replaced.keys()].map(id => ({ id, after: d.afterResources[id] }));
  for (const { after } of replaced.filter(r => r.after.Type === 'AWS::ECS::Service' && r.after.Properties?.DeploymentController?.Type === 'CODE_DEPLOY')) {
    const placeholder = replaced.some(r => r.after.Type === 'AWS::ECS::TaskDefinition');
    const newLoadBalancer = replaced.some(r => r.after.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    notes.push(`a new ECS service ${after.Properties?.ServiceName ?? ''} replaces the old one with new target groups: ${newLoadBalancer
      ? 'the new load balancer serves it once its tasks are healthy (the old one serves the old service until the update ends)'
      : 'the production listener answers 503 until its tasks are healthy (about a minute)'}, and it runs ${placeholder
      ? 'the placeholder (this deploy re-registers the bootstrap task definition)'
      : 'the newest registered task definition revision (the last one the pipeline deployed)'}. Run the pipeline after this deploy`);
  }
  if (replaced.some(r => r.after.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    notes.push('the load balancer is replaced: its DNS name changes; repoint DNS records to the stack output ServiceUrl');
  }
  return notes;
}

/** The report in plain words, stack by stack. */
function render(result) {
  const lines = [];
  for (const s of result.stacks) {
    const quiet = !s.added.length && !s.removed.length && !s.changed.length && !s.replaced.length && !s.rollout.length && !s.refused.length;
    const where = `${s.account}/${s.region}`;
    if (s.status === 'added') { lines.push(`${s.stackName} (${where}): new stack, ${s.added.length} resource(s) created`); continue; }
    if (s.status === 'removed') {
      lines.push(`${s.stackName} (${where}): no longer in the app (\`cdk deploy\` leaves it; delete it with \`cdk destroy\`)`);
      continue;
    }
    if (quiet) { lines.push(`${s.stackName} (${where}): no changes`); continue; }
    lines.push(`${s.stackName} (${where}):`);
    if (s.added.length) lines.push(`  added:    ${list(s.added.map(r => `${short(r.logicalId)} (${r.type})`))}`);
    if (s.removed.length) lines.push(`  removed:  ${list(s.removed.map(r => `${short(r.logicalId)} (${r.type})`))}`);
    for (const r of s.changed) lines.push(`  changed:  ${short(r.logicalId)} (${r.type}): ${list(r.properties)}`);
    for (const r of s.replaced) lines.push(`  replaced: ${short(r.logicalId)} (${r.type})${r.certain ? '' : ' may be replaced'}: ${list(r.because)}`);
    for (const l of s.dataLoss.filter(x => x.allowed)) lines.push(`  data loss (asked for): ${short(l.logicalId)} (${l.type}) is ${l.how}; its data is lost`);
    for (const r of s.refused) lines.push(`  REFUSED:  ${r.message}. What to do: ${r.fix}.`);
    for (const n of s.notes ?? []) lines.push(`  after deploying: ${n}.`);
    // One line per environment (taskdef-ENV.json, appspec-ENV.yaml); the appspec's container port
    // repeats the task definition's.
    const byEnvironment = new Map();
    const environmentOf = (c) => /^(?:taskdef|appspec)-(.+)\.(?:json|yaml)$/.exec(c.file)?.[1] ?? c.file;
    for (const c of s.rollout) {
      const environment = environmentOf(c);
      const repeated = /LoadBalancerInfo\.ContainerPort$/.test(c.path ?? '') && s.rollout.some(t => environmentOf(t) === environment && /\.containerPort$/.test(t.path ?? '') && String(t.before) === String(c.before) && String(t.after) === String(c.after));
      if (!repeated) byEnvironment.set(environment, [...(byEnvironment.get(environment) ?? []), rolloutWords(c)]);
    }
    for (const [environment, words] of byEnvironment) lines.push(`  the pipeline will roll out to ${environment}: ${list(words)}`);
  }
  const count = (k) => result.stacks.reduce((n, s) => n + s[k].length, 0);
  const verdict = result.exitCode === EXIT.refused
    ? `${count('refused')} change(s) would be refused: fix them before deploying`
    : result.exitCode === EXIT.replaced ? `${count('replaced')} resource(s) replaced${count('dataLoss') ? `, ${count('dataLoss')} with data loss` : ''}`
      : 'everything deploys in place';
  lines.push(`Plan: ${count('added')} to add, ${count('changed')} to change, ${count('replaced')} to replace, ${count('removed')} to remove; ${verdict}.`);
  return lines.join('\n');
}

function main(argv) {
  const args = []; const allowDataLoss = []; let json = false; let requireCommonStack = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') json = true;
    else if (argv[i] === '--require-common-stack') requireCommonStack = true;
    else if (argv[i] === '--allow-data-loss') allowDataLoss.push(argv[++i]);
    else args.push(argv[i]);
  }
  if (args.length !== 2) {
    process.stderr.write('usage: node tools/changes/analyze.js BEFORE_ASSEMBLY AFTER_ASSEMBLY [--json] [--require-common-stack] [--allow-data-loss TYPE_OR_LOGICAL_ID]...\n');
    return EXIT.badInput;
  }
  let result;
  try {
    result = analyzeStacks(readAssembly(args[0]), readAssembly(args[1]), { allowDataLoss, requireCommonStack });
  } catch (e) {
    if (!(e instanceof AssemblyError)) throw e;
    process.stderr.write(`error: ${e.message}\n`);
    return EXIT.badInput;
  }
  process.stdout.write((json ? JSON.stringify(result, null, 2) : render(result)) + '\n');
  return result.exitCode;
}

module.exports = { analyze, analyzeStacks, readAssembly, render, generatedFiles, rolloutChanges, AssemblyError, EXIT, STATEFUL, CODE_DEPLOY_UPDATABLE };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
