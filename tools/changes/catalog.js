'use strict';
// The catalog of ordinary day-two edits of a manifest (issue 12 §1), which examples each edit is
// tried on, and the edits known to be refused today.
//
// Each edit changes the parsed manifest of ONE service (`service`, as the YAML reads) and says what
// the edit must visibly do (`expect`), so that a test never passes because the edit changed
// nothing. `allowDataLoss`: resource types the edit asks to lose (none of the ordinary edits does).
// `after`: what the report must tell the deployer to do after the deploy (a replaced service or
// load balancer, docs/day-two.md).

const MANIFESTS = {
  default: 'slipway.yaml',
  'github-actions': 'examples/github-actions.yaml',
  'github-cross-account': 'examples/github-cross-account.yaml',
  'github-token-cross-account': 'examples/github-token-cross-account.yaml',
  'python-codecommit': 'examples/python-codecommit.yaml',
  's3-company': 'examples/s3-company.yaml',
  'single-account': 'examples/single-account.yaml',
  'three-accounts': 'examples/three-accounts.yaml',
  'nist-800-53-r5': 'examples/nist-800-53-r5.yaml',
  'shared-network': 'examples/shared-network.yaml',
};

const first = (s) => s.environments[0];
const network = (env) => (env.network ??= {});
const rollsOut = (pattern) => (r) => r.stacks.some(s => s.rollout.some(c => pattern.test(`${c.file} ${c.path ?? ''} ${c.after ?? ''}`)));
const changes = (type, property) => (r) => r.stacks.some(s => [...s.changed, ...s.replaced, ...s.added].some(c => c.type === type && (!property || (c.properties ?? []).some(p => p.startsWith(property)) || (c.because ?? []).some(p => p.startsWith(property)) || !c.properties)));

const EDITS = [
  { id: 'container-port', what: 'container.port 8080 → 9090', apply: (s) => { (s.container ??= {}).port = 9090; }, expect: rollsOut(/containerPort 9090|ContainerPort 9090/), after: /runs the placeholder.*Run the pipeline after this deploy/ },
  { id: 'health-path', what: 'container.healthCheckPath → /ready', apply: (s) => { (s.container ??= {}).healthCheckPath = '/ready'; }, expect: changes('AWS::ElasticLoadBalancingV2::TargetGroup', 'HealthCheckPath') },
  { id: 'cpu-memory', what: 'container.cpu 256 → 512, memory 512 → 1024', apply: (s) => { Object.assign((s.container ??= {}), { cpu: 512, memory: 1024 }); }, expect: rollsOut(/taskdef.*cpu 512/) },
  { id: 'environment-variables', what: 'container.environment gains FEATURE_FLAGS', apply: (s) => { (s.container ??= {}).environment = { ...(s.container.environment ?? {}), FEATURE_FLAGS: 'beta' }; }, expect: rollsOut(/FEATURE_FLAGS|environment/) },
  { id: 'secret', what: 'container.secrets gains API_KEY from Secrets Manager', apply: (s) => { (s.container ??= {}).secrets = [...(s.container.secrets ?? []), { name: 'API_KEY', secretsManager: `${s.name}/api-key` }]; }, expect: rollsOut(/API_KEY|secrets/) },
  { id: 'architecture', what: 'container.architecture x86_64 ↔ arm64', apply: (s) => { (s.container ??= {}).architecture = s.container.architecture === 'arm64' ? 'x86_64' : 'arm64'; }, expect: rollsOut(/cpuArchitecture/) },
  { id: 'internal', what: 'first environment: network.internetFacing true → false', apply: (s) => { network(first(s)).internetFacing = false; }, expect: changes('AWS::ElasticLoadBalancingV2::LoadBalancer'), after: /newest registered task definition revision.*Run the pipeline after this deploy[\s\S]*DNS name changes/ },
  { id: 'test-listener-port', what: 'first environment: network.testListenerPort 9000 → 9443', apply: (s) => { network(first(s)).testListenerPort = 9443; }, expect: changes('AWS::ElasticLoadBalancingV2::Listener', 'Port') },
  { id: 'https', what: 'first environment: network.certificateArn set (HTTPS on 443)', apply: (s) => { const e = first(s); network(e).certificateArn = `arn:aws:acm:${e.region}:${e.account}:certificate/0f0e0d0c-0000-4000-8000-000000000000`; }, expect: changes('AWS::ElasticLoadBalancingV2::Listener'), after: /newest registered task definition revision.*Run the pipeline after this deploy/ },
  { id: 'vpc-cidr', what: 'first environment: network.vpcCidr 10.0.0.0/16 → 10.1.0.0/16', apply: (s) => { network(first(s)).vpcCidr = '10.1.0.0/16'; }, expect: changes('AWS::EC2::VPC', 'CidrBlock'), after: /Run the pipeline after this deploy[\s\S]*DNS name changes/ },
  { id: 'nat-count', what: 'first environment: network.natGateways 1 → 2', apply: (s) => { network(first(s)).natGateways = 2; }, expect: changes('AWS::EC2::NatGateway') },
  { id: 'traffic-shifting', what: 'last environment: trafficShifting → linear 10% every 1 minute', apply: (s) => { s.environments[s.environments.length - 1].trafficShifting = { type: 'linear', percentage: 10, minutes: 1 }; }, expect: changes('AWS::CodeDeploy::DeploymentGroup') },
  { id: 'desired-count', what: 'first environment: desiredCount → 3', apply: (s) => { first(s).desiredCount = 3; }, expect: changes('AWS::ECS::Service', 'DesiredCount') },
  { id: 'image-retention', what: 'repository.keepImages 10 → 25', apply: (s) => { (s.repository ??= {}).keepImages = 25; }, expect: changes('AWS::ECR::Repository', 'LifecyclePolicy') },
  { id: 'scan-severity', what: 'build.imageScan.failOn → HIGH', apply: (s) => { ((s.build ??= {}).imageScan ??= {}).failOn = 'HIGH'; }, expect: changes('AWS::CodeBuild::Project') },
  { id: 'emails', what: 'notifications.emails gains oncall@example.com', apply: (s) => { (s.notifications ??= {}).emails = [...(s.notifications.emails ?? []), 'oncall@example.com']; }, expect: changes('AWS::SNS::Subscription') },
  { id: 'integration-tests', what: 'first environment gains integrationTests', apply: (s) => { first(s).integrationTests = { command: ['./tests/integration.sh'] }; }, expect: changes('AWS::Events::Rule') }, // the traffic gate's task-stopped rule: tests run in the deployment, before the shift
  {
    id: 'environment-added', what: 'a qa environment after the first one (same account and region)',
    apply: (s) => { const e = first(s); s.environments.splice(1, 0, { name: 'qa', account: e.account, region: e.region, network: { availabilityZones: e.network?.availabilityZones } }); },
    expect: (r) => r.stacks.some(s => s.status === 'added' && /-qa-/.test(s.stackName)),
  },
];

// Which example each edit runs on. Every edit runs on one example and every example takes two or
// three edits, chosen where the edit matters (https and the container port where both environments
// share an account, the VPC CIDR on three accounts), except github-actions: its GitHub deploy stacks
// make its services one app, which the synthesis cache never reuses, so it takes the one edit that
// touches those stacks (an environment added). Synthesizing costs about a second of CPU per
// service and environment, and the suite must stay within about a minute and a half on two cores.
const MATRIX = {
  // shared-network: the replaced service and target groups sit in the shared VPC, whose stack stays.
  'container-port': ['single-account', 'shared-network'],
  'health-path': ['s3-company'],
  'cpu-memory': ['python-codecommit'],
  'environment-variables': ['default'],
  secret: ['github-token-cross-account'],
  architecture: ['three-accounts'],
  internal: ['github-cross-account'],
  'test-listener-port': ['default'],
  https: ['single-account'],
  'vpc-cidr': ['three-accounts'],
  'nat-count': ['s3-company'],
  'traffic-shifting': ['python-codecommit'],
  'desired-count': ['python-codecommit'],
  'image-retention': ['github-cross-account'],
  'scan-severity': ['github-token-cross-account'],
  emails: ['single-account', 'nist-800-53-r5'],
  'integration-tests': ['s3-company'],
  'environment-added': ['github-actions'],
};

// Edits refused today, with the reason. A listed edit must still be refused by the listed rule:
// once it deploys in place, its test fails and says to remove it here. Empty since replaceable
// resources carry names that change with what replaces them (docs/day-two.md).
const KNOWN_BLOCKED = {};

module.exports = { MANIFESTS, EDITS, MATRIX, KNOWN_BLOCKED };
