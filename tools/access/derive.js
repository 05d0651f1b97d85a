'use strict';
// Derives, from a synthesized assembly, every actor and the AWS calls its job makes, as proofs
// for evaluate.js. Nothing is listed per example: the calls come from the templates (pipeline
// actions, CodeBuild projects, rules, alarms, functions) and from the files the image build
// writes (taskdef-<env>.json, whose roles, log group and secrets the deploy and execution roles
// need). Action lists per job, with the AWS pages they come from:
// - CodeBuild service role: https://docs.aws.amazon.com/codebuild/latest/userguide/setting-up-service-role.html
//   and buildspec env.parameter-store / env.secrets-manager:
//   https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html#build-spec.env.parameter-store
// - CodePipeline service role and action roles:
//   https://docs.aws.amazon.com/codepipeline/latest/userguide/security-iam.html#how-to-custom-role
// - CodeDeployToECS action: https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-ECSbluegreen.html#action-reference-ECSbluegreen-service-role
// - ECS task execution role: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html
//   (ECR pull, awslogs, secrets: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-ssm-paramstore.html)
// - ECR push/pull actions: https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-push-iam.html
// - EventBridge to an encrypted SNS topic: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions
//   and https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
// - CodeDeploy ECS lifecycle hooks (the appspec's Hooks, invoked with the service role; the hook
//   reports with PutLifecycleEventHookExecutionStatus): https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html
// - Cross-account key use (kms:ResourceAliases): https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-resource-aliases

const { resolve, resourcesOfType, getAtt, physical } = require('./assembly');

const FOREIGN_ACCOUNT = '999999999999';
const ECR_PULL = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'];
const ECR_PUSH = ['ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage', 'ecr:BatchCheckLayerAvailability'];

function derive(assembly, index) {
  const proofs = [];
  const skipped = [];
  const seen = new Set();
  const roleActor = (arn) => {
    const role = index.roles.get(arn);
    return role ? { role } : undefined;
  };
  const add = (group, actor, action, resource, extra = {}) => {
    if (!actor) return;
    const key = `${actor.role ? actor.role.arn : actor.label}|${action}|${resource}|${extra.expect || 'Allowed'}|${JSON.stringify(extra.context || {})}`;
    if (seen.has(key)) return;
    seen.add(key);
    proofs.push({ assembly: assembly.name, group, actor, action, resource, expect: 'Allowed', ...extra });
  };
  // A role named by ARN (another account's deploy role, a TARGET_ROLE_ARN) that no stack defines
  // cannot do its job: report it as a failing proof rather than skipping it.
  const missingRole = (group, arn, why) => {
    proofs.push({ assembly: assembly.name, group, missing: `${why}: role ${arn} is not defined by any stack of the assembly`, actor: { label: arn }, action: 'sts:AssumeRole', resource: arn, expect: 'Allowed' });
  };

  // The service that assumes an actor's role (trust policy side). Services send
  // aws:SourceAccount/aws:SourceArn for confused-deputy conditions, so the proof carries them.
  const serviceAssumes = (group, service, actor, sourceArn, sourceAccount) => {
    if (!actor) return;
    add(group, { label: `service ${service}`, principal: service, service: true }, 'sts:AssumeRole', actor.role.arn, {
      why: `${service} assumes this role to do its job`,
      context: { 'aws:SourceAccount': sourceAccount, ...(sourceArn ? { 'aws:SourceArn': sourceArn } : {}) },
    });
  };

  const keyArn = (id, stack) => {
    if (!id) return undefined;
    if (id.startsWith('arn:') && id.includes(':key/')) return id;
    if (id.startsWith('arn:') && id.includes(':alias/')) id = id.slice(id.indexOf('alias/'));
    if (id.startsWith('alias/')) {
      for (const [k, names] of index.aliases) if (names.includes(id)) return k;
      return undefined;
    }
    return `arn:aws:kms:${stack.region}:${stack.account}:key/${id}`;
  };
  const kmsContext = (key, extra = {}) => {
    const aliases = index.aliases.get(key);
    return { ...(aliases ? { 'kms:ResourceAliases': aliases } : {}), ...extra };
  };
  const bucketKey = (bucket) => index.bucketKeys.get(bucket);

  // ---- S3 object access with the key that encrypts it ---------------------------------------
  const objectCalls = (group, actor, bucket, objectKey, mode, key, why) => {
    const object = `arn:aws:s3:::${bucket}/${objectKey}`;
    const k = key || bucketKey(bucket);
    const s3Context = k ? {} : {};
    if (mode.includes('read')) {
      add(group, actor, 's3:GetObject', object, { why: `${why} (read)`, context: s3Context });
      if (k) add(group, actor, 'kms:Decrypt', k, { why: `${why}: objects of s3://${bucket} are encrypted with this key`, context: kmsContext(k, { 'kms:ViaService': `s3.${regionOf(k)}.amazonaws.com` }) });
    }
    if (mode.includes('write')) {
      add(group, actor, 's3:PutObject', object, { why: `${why} (write)`, context: s3Context });
      if (k) add(group, actor, 'kms:GenerateDataKey', k, { why: `${why}: objects of s3://${bucket} are encrypted with this key`, context: kmsContext(k, { 'kms:ViaService': `s3.${regionOf(k)}.amazonaws.com` }) });
    }
  };

  const secretCalls = (group, actor, stack, kind, value, why) => {
    if (kind === 'parameter-store') {
      const arn = value.startsWith('arn:') ? value : `arn:aws:ssm:${stack.region}:${stack.account}:parameter/${value.replace(/^\//, '')}`;
      add(group, actor, 'ssm:GetParameters', arn, { why });
      const k = index.secretKeys.get(arn);
      if (k) add(group, actor, 'kms:Decrypt', k, { why: `${why}: the parameter is encrypted with a customer-managed key`, context: kmsContext(k) });
    } else {
      // secret-id[:json-key[:version-stage[:version-id]]]; the id is a name or an ARN. A secret's
      // ARN ends with a 6-character random suffix, so one named by name gets a made-up suffix.
      let id;
      if (value.startsWith('arn:')) id = value.split(':').slice(0, 7).join(':');
      else id = value.split(':')[0];
      // A partial ARN (no -XXXXXX suffix, as ECS and CodeBuild accept) is completed the same way:
      // IAM evaluates the request against the secret's full ARN.
      let arn = id.startsWith('arn:') ? id : `arn:aws:secretsmanager:${stack.region}:${stack.account}:secret:${id}`;
      if (!/-[A-Za-z0-9]{6}$/.test(arn)) arn += '-AbCdEf';
      add(group, actor, 'secretsmanager:GetSecretValue', arn, { why });
      const k = index.secretKeys.get(arn);
      if (k) add(group, actor, 'kms:Decrypt', k, { why: `${why}: the secret is encrypted with a customer-managed key`, context: kmsContext(k, { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` }) });
    }
  };

  // ---- Pipelines: service role, action roles, and what each action's provider does ----------
  const projectUse = new Map(); // project ARN -> { inputs, outputs, env, store, pipeline, stage, namespace }
  const deployActions = [];
  const pipelines = resourcesOfType(assembly, 'AWS::CodePipeline::Pipeline');
  const projectArnByName = new Map();
  for (const { stack, logicalId, props } of resourcesOfType(assembly, 'AWS::CodeBuild::Project')) {
    projectArnByName.set(`${stack.account}/${props().Name || physical(stack, logicalId).ref}`, { arn: getAtt(stack, logicalId, 'Arn'), stack, logicalId });
  }
  for (const { stack, logicalId, props } of pipelines) {
    const p = props();
    const pipelineName = p.Name || physical(stack, logicalId).ref;
    const pipelineRole = roleActor(p.RoleArn);
    const group = `pipeline ${pipelineName}`;
    serviceAssumes(group, 'codepipeline.amazonaws.com', pipelineRole, `arn:aws:codepipeline:${stack.region}:${stack.account}:${pipelineName}`, stack.account);
    const stores = p.ArtifactStore ? [p.ArtifactStore] : (p.ArtifactStores || []).map((s) => s.ArtifactStore);
    const store = stores[0];
    const storeKey = store.EncryptionKey ? keyArn(store.EncryptionKey.Id, stack) : bucketKey(store.Location);
    objectCalls(group, pipelineRole, store.Location, `${pipelineName}/Source/artifact.zip`, ['read', 'write'], storeKey, 'the pipeline moves artifacts through its artifact store');
    const namespaceProject = new Map();
    for (const stage of p.Stages) {
      for (const action of stage.Actions) {
        const type = action.ActionTypeId;
        const execArn = action.RoleArn || p.RoleArn;
        let executor = roleActor(execArn);
        const why = `action ${stage.Name}/${action.Name} (${type.Provider}) runs as this role`;
        if (action.RoleArn && action.RoleArn !== p.RoleArn) {
          add(group, pipelineRole, 'sts:AssumeRole', action.RoleArn, { why: `the pipeline assumes the role of action ${stage.Name}/${action.Name}` });
          if (!executor) missingRole(group, action.RoleArn, `action ${stage.Name}/${action.Name}`);
        }
        const cfg = action.Configuration || {};
        const inputs = (action.InputArtifacts || []).map((a) => a.Name);
        const outputs = (action.OutputArtifacts || []).map((a) => a.Name);
        const artifactObject = (name) => `${pipelineName}/${name}/artifact.zip`;
        switch (type.Provider) {
          case 'CodeStarSourceConnection':
            // Connections made after mid-2024 have codeconnections ARNs and the codeconnections
            // action; older ones the codestar-connections pair. The ARN's prefix decides which
            // (https://docs.aws.amazon.com/dtconsole/latest/userguide/rename.html); iam-simulate
            // knows no codestar-connections resource type with a codeconnections ARN.
            add(group, executor, cfg.ConnectionArn.includes(':codeconnections:') ? 'codeconnections:UseConnection' : 'codestar-connections:UseConnection', cfg.ConnectionArn, { why });
            break;
          case 'CodeCommit': {
            const repo = `arn:aws:codecommit:${stack.region}:${stack.account}:${cfg.RepositoryName}`;
            for (const a of ['codecommit:GetBranch', 'codecommit:GetCommit', 'codecommit:UploadArchive', 'codecommit:GetUploadArchiveStatus']) add(group, executor, a, repo, { why });
            break;
          }
          case 'S3':
            if (type.Category === 'Source') {
              add(group, executor, 's3:GetObject', `arn:aws:s3:::${cfg.S3Bucket}/${cfg.S3ObjectKey}`, { why });
              add(group, executor, 's3:GetObjectVersion', `arn:aws:s3:::${cfg.S3Bucket}/${cfg.S3ObjectKey}`, { why });
              add(group, executor, 's3:GetBucketVersioning', `arn:aws:s3:::${cfg.S3Bucket}`, { why });
              const k = bucketKey(cfg.S3Bucket);
              if (k) add(group, executor, 'kms:Decrypt', k, { why: `${why}: the source bucket is encrypted with this key`, context: kmsContext(k, { 'kms:ViaService': `s3.${regionOf(k)}.amazonaws.com` }) });
            }
            break;
          case 'CodeBuild': {
            const project = projectArnByName.get(`${stack.account}/${cfg.ProjectName}`);
            const projectArn = project ? project.arn : `arn:aws:codebuild:${stack.region}:${stack.account}:project/${cfg.ProjectName}`;
            add(group, executor, 'codebuild:StartBuild', projectArn, { why });
            add(group, executor, 'codebuild:BatchGetBuilds', projectArn, { why });
            const env = cfg.EnvironmentVariables ? JSON.parse(cfg.EnvironmentVariables) : [];
            const use = projectUse.get(projectArn) || { uses: [] };
            use.uses.push({ inputs, outputs, env, store, storeKey, pipelineName, stage, action, stack });
            projectUse.set(projectArn, use);
            if (action.Namespace) namespaceProject.set(action.Namespace, projectArn);
            break;
          }
          case 'CodeDeployToECS':
            deployActions.push({ group, executor, action, stage, cfg, inputs, store, storeKey, pipelineName, pipelineStack: stack, stages: p.Stages });
            break;
          case 'Manual':
            if (cfg.NotificationArn) {
              add(group, executor, 'sns:Publish', cfg.NotificationArn, { why: `${why}: it announces the approval` });
              const k = index.topicKeys.get(cfg.NotificationArn);
              if (k) {
                for (const a of ['kms:GenerateDataKey', 'kms:Decrypt']) add(group, executor, a, k, { why: `${why}: the approval topic is encrypted with this key`, context: kmsContext(k, { 'kms:ViaService': `sns.${regionOf(k)}.amazonaws.com` }) });
              }
            }
            break;
          default:
            break;
        }
        // Providers that touch the artifact store with the action's own role (not a project role).
        if (type.Category === 'Source') {
          for (const o of outputs) objectCalls(group, executor, store.Location, artifactObject(o), ['write'], storeKey, `${why}: it writes the source artifact ${o}`);
        }
      }
    }
    for (const use of projectUse.values()) {
      for (const u of use.uses) {
        if (u.pipelineName !== pipelineName) continue;
        for (const v of u.env) {
          const m = /^#\{([^.}]+)\.IMAGE_URI\}$/.exec(v.value || '');
          if (m && namespaceProject.has(m[1])) u.pullsFrom = namespaceProject.get(m[1]);
        }
      }
    }
  }

  // ---- CodeBuild projects ------------------------------------------------------------------
  const projectFiles = new Map(); // project ARN -> { file -> text }
  const projectPushes = new Map(); // project ARN -> [repository ARN]
  const projects = resourcesOfType(assembly, 'AWS::CodeBuild::Project');
  for (const { stack, logicalId, props } of projects) {
    const p = props();
    const arn = getAtt(stack, logicalId, 'Arn');
    const text = typeof p.Source.BuildSpec === 'string' ? p.Source.BuildSpec : '';
    let spec = {};
    try { spec = JSON.parse(text); } catch { spec = {}; }
    const files = {};
    for (const m of text.matchAll(/echo '([A-Za-z0-9+/=]+)' \| base64 -d > ([A-Za-z0-9._-]+)/g)) files[m[2]] = Buffer.from(m[1], 'base64').toString('utf8');
    projectFiles.set(arn, files);
    const pushes = [];
    if (/--push\b|docker push/.test(text)) {
      for (const m of text.matchAll(/(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([a-z0-9._/-]+[a-z0-9])/g)) pushes.push(`arn:aws:ecr:${m[2]}:${m[1]}:repository/${m[3]}`);
    }
    projectPushes.set(arn, [...new Set(pushes)]);
  }
  for (const { stack, logicalId, props } of projects) {
    const p = props();
    const arn = getAtt(stack, logicalId, 'Arn');
    const name = p.Name || physical(stack, logicalId).ref;
    const roleArn = p.ServiceRole.startsWith('arn:') ? p.ServiceRole : `arn:aws:iam::${stack.account}:role/${p.ServiceRole}`;
    const actor = roleActor(roleArn);
    const group = `project ${name}`;
    if (!actor) { missingRole(group, roleArn, `service role of project ${name}`); continue; }
    serviceAssumes(group, 'codebuild.amazonaws.com', actor, arn, stack.account);
    const text = typeof p.Source.BuildSpec === 'string' ? p.Source.BuildSpec : '';
    let spec = {};
    try { spec = JSON.parse(text); } catch { spec = {}; }
    const env = spec.env || {};
    const why = `CodeBuild project ${name} runs as this role`;

    // Logs: the configured group, else CodeBuild's default /aws/codebuild/<project>.
    const cw = p.LogsConfig && p.LogsConfig.CloudWatchLogs;
    if (!cw || cw.Status !== 'DISABLED') {
      const groupName = (cw && cw.GroupName) || `/aws/codebuild/${name}`;
      const stream = `arn:aws:logs:${stack.region}:${stack.account}:log-group:${groupName}:log-stream:${cw && cw.StreamName ? `${cw.StreamName}/` : ''}build-id`;
      add(group, actor, 'logs:CreateLogStream', stream, { why: `${why}: build logs go to ${groupName}` });
      add(group, actor, 'logs:PutLogEvents', stream, { why: `${why}: build logs go to ${groupName}` });
    }
    // Cache bucket.
    if (p.Cache && p.Cache.Type === 'S3' && p.Cache.Location) {
      const [bucket, ...prefix] = p.Cache.Location.split('/');
      const k = keyArn(p.EncryptionKey, stack) || bucketKey(bucket);
      objectCalls(group, actor, bucket, `${prefix.join('/')}${prefix.length ? '/' : ''}cache.zip`, ['read', 'write'], k, `${why}: it restores and saves its cache in s3://${p.Cache.Location}`);
    }
    // Pipeline artifacts in and out, with the project's encryption key.
    const use = projectUse.get(arn);
    for (const u of use ? use.uses : []) {
      const k = keyArn(p.EncryptionKey, stack) || u.storeKey;
      for (const i of u.inputs) objectCalls(group, actor, u.store.Location, `${u.pipelineName}/${i}/artifact.zip`, ['read'], k, `${why}: it reads input artifact ${i} of ${u.pipelineName}`);
      for (const o of u.outputs) objectCalls(group, actor, u.store.Location, `${u.pipelineName}/${o}/artifact.zip`, ['write'], k, `${why}: it writes output artifact ${o} of ${u.pipelineName}`);
      for (const v of u.env) {
        if (v.type === 'PARAMETER_STORE') secretCalls(group, actor, stack, 'parameter-store', v.value, `${why}: action variable ${v.name} is read from Parameter Store`);
        if (v.type === 'SECRETS_MANAGER') secretCalls(group, actor, stack, 'secrets-manager', v.value, `${why}: action variable ${v.name} is read from Secrets Manager`);
        if (v.name === 'TARGET_ROLE_ARN') {
          // SWITCH_MODE marks the alarm-rollback switch (src/Slipway/Build/alarm-rollback.sh).
          const isSwitch = u.env.some((x) => x.name === 'SWITCH_MODE');
          add(group, actor, 'sts:AssumeRole', v.value, { why: `${why}: ${isSwitch ? 'the alarm-rollback switch' : 'the integration tests'} assume TARGET_ROLE_ARN` });
          if (!index.roles.get(v.value)) missingRole(group, v.value, 'TARGET_ROLE_ARN');
          else if (isSwitch) u.switchRole = v.value;
          else u.targetRole = v.value;
        }
      }
      if (u.pullsFrom) {
        for (const repo of projectPushes.get(u.pullsFrom) || []) {
          for (const a of ECR_PULL) add(group, actor, a, repo, { why: `${why}: it pulls the image built in this pipeline (IMAGE_URI)` });
          add(group, actor, 'ecr:GetAuthorizationToken', '*', { why: `${why}: docker login to ECR` });
        }
      }
    }
    // Buildspec secrets and project environment variables.
    for (const [variable, value] of Object.entries(env['parameter-store'] || {})) secretCalls(group, actor, stack, 'parameter-store', value, `${why}: buildspec env.parameter-store ${variable}`);
    for (const [variable, value] of Object.entries(env['secrets-manager'] || {})) secretCalls(group, actor, stack, 'secrets-manager', value, `${why}: buildspec env.secrets-manager ${variable}`);
    for (const v of (p.Environment && p.Environment.EnvironmentVariables) || []) {
      if (v.Type === 'PARAMETER_STORE') secretCalls(group, actor, stack, 'parameter-store', v.Value, `${why}: project variable ${v.Name}`);
      if (v.Type === 'SECRETS_MANAGER') secretCalls(group, actor, stack, 'secrets-manager', v.Value, `${why}: project variable ${v.Name}`);
    }
    const cred = p.Environment && p.Environment.RegistryCredential;
    if (cred && cred.CredentialProvider === 'SECRETS_MANAGER') secretCalls(group, actor, stack, 'secrets-manager', cred.Credential, `${why}: registry credential of the build image`);
    // ECR: push what the buildspec pushes; pull the build image itself when the role pulls it.
    // ECR API calls the buildspec makes with the AWS CLI on a named repository (for example the
    // promotion tag: batch-get-image, describe-images, put-image): `aws ecr put-image` is ecr:PutImage.
    for (const m of text.matchAll(/aws ecr ([a-z-]+) --repository-name \\?"?\$?\{?([A-Za-z0-9_./-]+)\}?/g)) {
      const repoName = (env.variables || {})[m[2]] ?? m[2];
      const action = `ecr:${m[1].split('-').map((w) => w[0].toUpperCase() + w.slice(1)).join('')}`;
      add(group, actor, action, `arn:aws:ecr:${stack.region}:${stack.account}:repository/${repoName}`, { why: `${why}: the buildspec runs aws ecr ${m[1]} on ${repoName}` });
    }
    for (const repo of projectPushes.get(arn) || []) {
      for (const a of ECR_PUSH) add(group, actor, a, repo, { why: `${why}: the buildspec pushes to this repository` });
      add(group, actor, 'ecr:GetAuthorizationToken', '*', { why: `${why}: docker login to ECR` });
    }
    const image = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([^:@]+)/.exec((p.Environment && p.Environment.Image) || '');
    if (image && p.Environment.ImagePullCredentialsType === 'SERVICE_ROLE') {
      const repo = `arn:aws:ecr:${image[2]}:${image[1]}:repository/${image[3]}`;
      for (const a of ECR_PULL) add(group, actor, a, repo, { why: `${why}: CodeBuild pulls the build image ${p.Environment.Image} with the service role` });
      add(group, actor, 'ecr:GetAuthorizationToken', '*', { why: `${why}: pulling the build image from ECR` });
    }
    // SNS topics the buildspec publishes to with the AWS CLI (aws sns publish --topic-arn "$VAR"),
    // VAR from the project's or the buildspec's variables, with the topic's key.
    const projectVars = Object.fromEntries(((p.Environment && p.Environment.EnvironmentVariables) || []).map((v) => [v.Name, v.Value]));
    // The scripts a buildspec writes (echo '<base64>' | base64 -d > file) are read as well.
    const written = [...text.matchAll(/echo '([A-Za-z0-9+/=]+)' \| base64 -d > /g)].map((m) => Buffer.from(m[1], 'base64').toString('utf8'));
    for (const m of [text, ...written].join('\n').matchAll(/aws sns publish --topic-arn \\?"?\$\{?([A-Za-z0-9_]+)\}?/g)) {
      const topic = projectVars[m[1]] || (env.variables || {})[m[1]];
      if (!topic) { skipped.push(`${group}: aws sns publish to $${m[1]}, which the project does not set`); continue; }
      add(group, actor, 'sns:Publish', topic, { why: `${why}: the buildspec runs aws sns publish to ${m[1]}` });
      const k = index.topicKeys.get(topic);
      if (k) for (const a of ['kms:GenerateDataKey', 'kms:Decrypt']) add(group, actor, a, k, { why: `${why}: ${topic} is encrypted with this key`, context: kmsContext(k, { 'kms:ViaService': `sns.${regionOf(k)}.amazonaws.com` }) });
    }
    // Reports: a report group named by ARN, or <project>-<name> that CodeBuild creates.
    for (const [reportKey, report] of Object.entries(spec.reports || {})) {
      const rg = reportKey.startsWith('arn:') ? reportKey : `arn:aws:codebuild:${stack.region}:${stack.account}:report-group/${name}-${reportKey}`;
      const coverage = /COVERAGE|CLOVER|COBERTURA|JACOCO|SIMPLECOV|LCOV/i.test(report['file-format'] || '');
      const actions = ['codebuild:CreateReport', 'codebuild:UpdateReport', coverage ? 'codebuild:BatchPutCodeCoverages' : 'codebuild:BatchPutTestCases'];
      if (!reportKey.startsWith('arn:')) actions.unshift('codebuild:CreateReportGroup');
      for (const a of actions) add(group, actor, a, rg, { why: `${why}: buildspec reports ${reportKey}` });
    }
  }

  // ---- Deploy roles, task execution roles, integration-test roles ---------------------------
  const runtime = runtimeIndex(assembly);
  // The alarm-rollback switch: the role it assumes reads and updates exactly its deployment group.
  for (const use of projectUse.values()) {
    for (const u of use.uses) {
      if (!u.switchRole) continue;
      const sw = roleActor(u.switchRole);
      const vars = Object.fromEntries(u.env.map((v) => [v.name, v.value]));
      const sg = `alarm rollback ${sw.role.name}`;
      const swhy = `alarm-rollback.sh (${vars.SWITCH_MODE}) runs as this role in ${u.stage.Name}`;
      const dgKey = `${sw.role.account}/${vars.APPLICATION_NAME}/${vars.DEPLOYMENT_GROUP}`;
      if (!runtime.deploymentGroups.get(dgKey)) {
        proofs.push({ assembly: assembly.name, group: sg, missing: `deployment group ${vars.APPLICATION_NAME}/${vars.DEPLOYMENT_GROUP} is not defined in account ${sw.role.account}`, actor: sw, action: 'codedeploy:UpdateDeploymentGroup', resource: dgKey, expect: 'Allowed' });
        continue;
      }
      const dgArn = `arn:aws:codedeploy:${vars.TARGET_REGION}:${sw.role.account}:deploymentgroup:${vars.APPLICATION_NAME}/${vars.DEPLOYMENT_GROUP}`;
      for (const a of ['codedeploy:GetDeploymentGroup', 'codedeploy:UpdateDeploymentGroup']) add(sg, sw, a, dgArn, { why: `${swhy}: it reads the alarm list and sets AlarmConfiguration.enabled` });
      add(sg, sw, 'codedeploy:UpdateDeploymentGroup', `arn:aws:codedeploy:${vars.TARGET_REGION}:${sw.role.account}:deploymentgroup:${vars.APPLICATION_NAME}/other-group`, { expect: 'Denied', why: 'the switch may change its own deployment group only' });
      add(sg, sw, 'iam:PassRole', `arn:aws:iam::${sw.role.account}:role/any-role`, { expect: 'Denied', why: 'the switch passes no role (UpdateDeploymentGroup without a service role)' });
      add(sg, sw, 'ec2:TerminateInstances', `arn:aws:ec2:${vars.TARGET_REGION}:${sw.role.account}:instance/i-0123456789abcdef0`, { expect: 'Denied', why: 'no pipeline role in an environment may terminate instances' });
      add(sg, foreignRole(), 'sts:AssumeRole', sw.role.arn, { expect: 'Denied', why: 'a foreign account must not assume the alarm-rollback role' });
    }
  }
  for (const d of deployActions) {
    const { cfg, executor } = d;
    const deployRoleArn = d.action.RoleArn;
    const role = executor && executor.role;
    const group = `deploy ${d.stage.Name}`;
    if (!role) continue; // reported by missingRole above
    const region = role.region;
    const account = role.account;
    const why = `action ${d.stage.Name}/${d.action.Name} (CodeDeployToECS) runs as this role`;
    const app = cfg.ApplicationName;
    const dg = cfg.DeploymentGroupName;
    const dgInfo = runtime.deploymentGroups.get(`${account}/${app}/${dg}`);
    const appArn = `arn:aws:codedeploy:${region}:${account}:application:${app}`;
    const dgArn = `arn:aws:codedeploy:${region}:${account}:deploymentgroup:${app}/${dg}`;
    add(group, executor, 'codedeploy:CreateDeployment', dgArn, { why });
    add(group, executor, 'codedeploy:GetDeployment', dgArn, { why });
    for (const a of ['codedeploy:GetApplication', 'codedeploy:GetApplicationRevision', 'codedeploy:RegisterApplicationRevision']) add(group, executor, a, appArn, { why });
    const configName = (dgInfo && dgInfo.config) || 'CodeDeployDefault.ECSAllAtOnce';
    add(group, executor, 'codedeploy:GetDeploymentConfig', `arn:aws:codedeploy:${region}:${account}:deploymentconfig:${configName}`, { why });
    add(group, executor, 'ecs:RegisterTaskDefinition', '*', { why });
    // Artifacts in the tooling account: identity side here, bucket and key policy side there.
    for (const i of d.inputs) objectCalls(group, executor, d.store.Location, `${d.pipelineName}/${i}/artifact.zip`, ['read'], d.storeKey, `${why}: CodeDeployToECS reads input artifact ${i} from the pipeline's store`);
    // Negative proofs for every deploy role.
    add(group, executor, 'ec2:TerminateInstances', `arn:aws:ec2:${region}:${account}:instance/i-0123456789abcdef0`, { expect: 'Denied', why: 'no deploy role may terminate instances' });
    add(group, foreignRole(), 'sts:AssumeRole', deployRoleArn, { expect: 'Denied', why: 'a foreign account must not assume the deploy role' });

    // The task definition the image build wrote for this action.
    const producer = findProducer(d.stages, cfg.TaskDefinitionTemplateArtifact, projectArnByName, d.pipelineStack);
    const files = producer ? projectFiles.get(producer) || {} : {};
    const taskdefText = files[cfg.TaskDefinitionTemplatePath];
    if (!taskdefText) {
      proofs.push({ assembly: assembly.name, group, missing: `${cfg.TaskDefinitionTemplatePath} is not written by the build that produces artifact ${cfg.TaskDefinitionTemplateArtifact}`, actor: executor, action: 'ecs:RegisterTaskDefinition', resource: '*', expect: 'Allowed' });
      continue;
    }
    const taskdef = JSON.parse(taskdefText);
    const family = taskdef.family;
    const taskdefArn = `arn:aws:ecs:${region}:${account}:task-definition/${family}:2`;
    if (taskdef.tags && taskdef.tags.length) add(group, executor, 'ecs:TagResource', taskdefArn, { why: `${why}: the task definition carries tags`, context: { 'ecs:CreateAction': 'RegisterTaskDefinition' } });
    const passed = [taskdef.executionRoleArn, taskdef.taskRoleArn].filter(Boolean);
    for (const r of passed) {
      add(group, executor, 'iam:PassRole', r, { why: `${why}: ${cfg.TaskDefinitionTemplatePath} names this role`, context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
      if (!index.roles.get(r)) missingRole(group, r, `${cfg.TaskDefinitionTemplatePath}`);
    }
    // PassRole is limited to exactly those roles: the deploy role cannot pass itself.
    add(group, executor, 'iam:PassRole', role.arn, { expect: 'Denied', why: `PassRole must be limited to the roles of ${cfg.TaskDefinitionTemplatePath}`, context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });

    // Task execution role: pull from the repository the producer pushed to, logs, secrets.
    const exec = roleActor(taskdef.executionRoleArn);
    const taskRole = roleActor(taskdef.taskRoleArn);
    if (taskRole) serviceAssumes(`task ${taskRole.role.name}`, 'ecs-tasks.amazonaws.com', taskRole, undefined, account);
    if (exec) {
      const eg = `task execution ${exec.role.name}`;
      serviceAssumes(eg, 'ecs-tasks.amazonaws.com', exec, undefined, account);
      const ewhy = `ECS starts ${family} with this execution role`;
      for (const repo of projectPushes.get(producer) || []) {
        for (const a of ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']) add(eg, exec, a, repo, { why: `${ewhy}: it pulls the image the pipeline built` });
        for (const a of ['ecr:PutImage', 'ecr:InitiateLayerUpload']) add(eg, exec, a, repo, { expect: 'Denied', why: 'an execution role must not push images' });
      }
      add(eg, exec, 'ecr:GetAuthorizationToken', '*', { why: `${ewhy}: ECR login` });
      for (const c of taskdef.containerDefinitions || []) {
        const lc = c.logConfiguration;
        if (lc && lc.logDriver === 'awslogs') {
          const o = lc.options || {};
          const stream = `arn:aws:logs:${o['awslogs-region'] || region}:${exec.role.account}:log-group:${o['awslogs-group']}:log-stream:${o['awslogs-stream-prefix'] || 'ecs'}/${c.name}/task-id`;
          add(eg, exec, 'logs:CreateLogStream', stream, { why: `${ewhy}: container ${c.name} logs to ${o['awslogs-group']}` });
          add(eg, exec, 'logs:PutLogEvents', stream, { why: `${ewhy}: container ${c.name} logs to ${o['awslogs-group']}` });
        }
        for (const s of c.secrets || []) {
          const kind = /:secretsmanager:/.test(s.valueFrom) ? 'secrets-manager' : 'parameter-store';
          secretCalls(eg, exec, { region, account: exec.role.account }, kind, s.valueFrom, `${ewhy}: container ${c.name} secret ${s.name}`);
        }
      }
    }

    // The appspec's AfterAllowTestTraffic hook: CodeDeploy's service role invokes the traffic gate,
    // which runs the tests (RunTask of the task definition above, PassRole of its roles), watches
    // and stops the test task, reports the hook's status and publishes failures.
    // https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#appspec-hooks-ecs
    const appspec = files[cfg.AppSpecTemplatePath] || '';
    for (const m of appspec.matchAll(/^\s*- (BeforeInstall|AfterInstall|AfterAllowTestTraffic|BeforeAllowTraffic|AfterAllowTraffic): "([^"]+)"$/gm)) {
      const [, hookEvent, hookArn] = m;
      const hg = `hook ${hookEvent} ${d.stage.Name}`;
      const codedeployRole = dgInfo && dgInfo.serviceRole && roleActor(dgInfo.serviceRole);
      if (!codedeployRole) { missingRole(hg, (dgInfo && dgInfo.serviceRole) || `service role of deployment group ${dg}`, 'CodeDeploy service role'); continue; }
      serviceAssumes(hg, 'codedeploy.amazonaws.com', codedeployRole, undefined, account);
      add(hg, codedeployRole, 'lambda:InvokeFunction', hookArn, { why: `${cfg.AppSpecTemplatePath} names this function for ${hookEvent}: CodeDeploy invokes it with the deployment group's service role` });
      const fn = runtime.functions.get(hookArn);
      if (!fn) {
        proofs.push({ assembly: assembly.name, group: hg, missing: `${cfg.AppSpecTemplatePath} names ${hookArn} for ${hookEvent}, which no stack of the assembly defines`, actor: codedeployRole, action: 'lambda:InvokeFunction', resource: hookArn, expect: 'Allowed' });
        continue;
      }
      const gate = roleActor(fn.props.Role);
      const gg = `traffic gate ${fn.props.FunctionName}`;
      if (!gate) { missingRole(gg, fn.props.Role, `role of function ${fn.props.FunctionName}`); continue; }
      const vars = (fn.props.Environment && fn.props.Environment.Variables) || {};
      const gwhy = `the ${hookEvent} hook ${fn.props.FunctionName} runs as this role`;
      add(gg, gate, 'codedeploy:PutLifecycleEventHookExecutionStatus', '*', { why: `${gwhy}: it reports the hook's status to deployment group ${app}/${dg}` });
      if (vars.NOTIFY_TOPIC_ARN) {
        add(gg, gate, 'sns:Publish', vars.NOTIFY_TOPIC_ARN, { why: `${gwhy}: it announces failed tests` });
        const k = index.topicKeys.get(vars.NOTIFY_TOPIC_ARN);
        if (k) for (const a of ['kms:GenerateDataKey', 'kms:Decrypt']) add(gg, gate, a, k, { why: `${gwhy}: the topic is encrypted with this key`, context: kmsContext(k, { 'kms:ViaService': `sns.${regionOf(k)}.amazonaws.com`, 'kms:EncryptionContext:aws:sns:topicArn': vars.NOTIFY_TOPIC_ARN }) });
      }
      if (vars.TEST_COMMAND) {
        const clusterArn = vars.CLUSTER.startsWith('arn:') ? vars.CLUSTER : `arn:aws:ecs:${region}:${account}:cluster/${vars.CLUSTER}`;
        const clusterName = clusterArn.split('/').pop();
        const ctx = { 'ecs:cluster': clusterArn };
        add(gg, gate, 'ecs:DescribeServices', `arn:aws:ecs:${region}:${account}:service/${clusterName}/${vars.SERVICE}`, { why: `${gwhy}: it finds the green task set's task definition`, context: ctx });
        add(gg, gate, 'ecs:RunTask', taskdefArn, { why: `${gwhy}: it starts the test task from the green task definition`, context: ctx });
        add(gg, gate, 'ecs:ListTasks', `arn:aws:ecs:${region}:${account}:container-instance/${clusterName}/0123456789abcdef0123456789abcdef`, { why: `${gwhy}: it finds its running test tasks`, context: ctx });
        for (const a of ['ecs:DescribeTasks', 'ecs:StopTask']) add(gg, gate, a, `arn:aws:ecs:${region}:${account}:task/${clusterName}/0123456789abcdef0123456789abcdef`, { why: `${gwhy}: it watches and stops the test task`, context: ctx });
        for (const r of passed) add(gg, gate, 'iam:PassRole', r, { why: `${gwhy}: RunTask passes the task's roles`, context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
        add(gg, gate, 'iam:PassRole', gate.role.arn, { expect: 'Denied', why: 'the gate may pass only the task definition\'s roles', context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
        add(gg, gate, 'ecs:RunTask', `arn:aws:ecs:${region}:${account}:task-definition/another-family:1`, { expect: 'Denied', why: 'the gate may run only the service\'s task family', context: ctx });
      } else {
        add(gg, gate, 'ecs:RunTask', taskdefArn, { expect: 'Denied', why: 'a gate that runs the smoke test starts no task', context: { 'ecs:cluster': `arn:aws:ecs:${region}:${account}:cluster/${vars.CLUSTER}` } });
      }
      add(gg, foreignRole('lambda:InvokeFunction'), 'lambda:InvokeFunction', hookArn, { expect: 'Denied', why: 'a foreign account must not invoke the traffic gate' });
    }

    // Integration tests of the same stage: the role the test build assumes.
    for (const use of projectUse.values()) {
      for (const u of use.uses) {
        if (u.stage !== d.stage || !u.targetRole) continue;
        const it = roleActor(u.targetRole);
        const ig = `integration tests ${it.role.name}`;
        const vars = Object.fromEntries(u.env.map((v) => [v.name, v.value]));
        const iwhy = `integration-test.sh runs as this role in ${d.stage.Name}`;
        const stackOfRole = assembly.stacks.find((s) => s.name === it.role.stack);
        const cluster = dgInfo && dgInfo.cluster;
        const clusterArn = cluster && (cluster.startsWith('arn:') ? cluster : `arn:aws:ecs:${region}:${account}:cluster/${cluster}`);
        const clusterName = clusterArn && clusterArn.split('/').pop();
        for (const param of runtime.parameters.filter((x) => x.stack === stackOfRole && vars.PARAMETER_PATH && x.name.startsWith(`${vars.PARAMETER_PATH}/`))) {
          add(ig, it, 'ssm:GetParameters', `arn:aws:ssm:${region}:${account}:parameter/${param.name.replace(/^\//, '')}`, { why: `${iwhy}: it reads ${param.name}` });
        }
        if (dgInfo && dgInfo.service) add(ig, it, 'ecs:DescribeServices', `arn:aws:ecs:${region}:${account}:service/${clusterName}/${dgInfo.service}`, { why: `${iwhy}: it finds the task definition CodeDeploy made primary`, context: { 'ecs:cluster': clusterArn } });
        add(ig, it, 'ecs:RunTask', taskdefArn, { why: `${iwhy}: it starts the test task`, context: clusterArn ? { 'ecs:cluster': clusterArn } : {} });
        for (const a of ['ecs:DescribeTasks', 'ecs:StopTask']) add(ig, it, a, `arn:aws:ecs:${region}:${account}:task/${clusterName}/0123456789abcdef0123456789abcdef`, { why: `${iwhy}: it watches and stops the test task`, context: { 'ecs:cluster': clusterArn } });
        for (const r of passed) add(ig, it, 'iam:PassRole', r, { why: `${iwhy}: RunTask passes the task's roles`, context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
        if (vars.LOG_GROUP) {
          const c = (taskdef.containerDefinitions || []).find((x) => x.name === vars.CONTAINER_NAME) || {};
          const prefix = (((c.logConfiguration || {}).options || {})['awslogs-stream-prefix']) || 'ecs';
          add(ig, it, 'logs:GetLogEvents', `arn:aws:logs:${region}:${account}:log-group:${vars.LOG_GROUP}:log-stream:${prefix}/${vars.CONTAINER_NAME}/task-id`, { why: `${iwhy}: it prints the test task's logs` });
        }
        add(ig, it, 'ec2:TerminateInstances', `arn:aws:ec2:${region}:${account}:instance/i-0123456789abcdef0`, { expect: 'Denied', why: 'no pipeline role in an environment may terminate instances' });
        add(ig, foreignRole(), 'sts:AssumeRole', it.role.arn, { expect: 'Denied', why: 'a foreign account must not assume the integration-test role' });
      }
    }
  }

  // ---- Task definitions in the templates (the bootstrap one ECS starts with the stack) --------
  for (const { stack, logicalId, props } of resourcesOfType(assembly, 'AWS::ECS::TaskDefinition')) {
    const p = props();
    const exec = p.ExecutionRoleArn && roleActor(p.ExecutionRoleArn);
    if (!exec) continue;
    const eg = `task execution ${exec.role.name}`;
    const ewhy = `ECS starts ${stack.name}/${logicalId} with this execution role`;
    for (const c of p.ContainerDefinitions || []) {
      const lc = c.LogConfiguration;
      if (lc && lc.LogDriver === 'awslogs') {
        const o = lc.Options || {};
        const stream = `arn:aws:logs:${o['awslogs-region'] || stack.region}:${stack.account}:log-group:${o['awslogs-group']}:log-stream:${o['awslogs-stream-prefix'] || 'ecs'}/${c.Name}/task-id`;
        add(eg, exec, 'logs:CreateLogStream', stream, { why: `${ewhy}: container ${c.Name} logs to ${o['awslogs-group']}` });
        add(eg, exec, 'logs:PutLogEvents', stream, { why: `${ewhy}: container ${c.Name} logs to ${o['awslogs-group']}` });
      }
      for (const sec of c.Secrets || []) {
        const kind = /:secretsmanager:/.test(sec.ValueFrom) ? 'secrets-manager' : 'parameter-store';
        secretCalls(eg, exec, stack, kind, sec.ValueFrom, `${ewhy}: container ${c.Name} secret ${sec.Name}`);
      }
    }
  }

  // ---- VPC flow logs delivering to CloudWatch Logs with their role ---------------------------
  // https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html
  for (const { stack, logicalId, props } of resourcesOfType(assembly, 'AWS::EC2::FlowLog')) {
    const p = props();
    if ((p.LogDestinationType || 'cloud-watch-logs') !== 'cloud-watch-logs' || !p.DeliverLogsPermissionArn) continue;
    const actor = roleActor(p.DeliverLogsPermissionArn);
    const group = `flow log ${logicalId}`;
    if (!actor) { missingRole(group, p.DeliverLogsPermissionArn, `role of flow log ${logicalId}`); continue; }
    serviceAssumes(group, 'vpc-flow-logs.amazonaws.com', actor, undefined, stack.account);
    const stream = `arn:aws:logs:${stack.region}:${stack.account}:log-group:${p.LogGroupName}:log-stream:eni-0123456789abcdef0-all`;
    for (const a of ['logs:CreateLogStream', 'logs:PutLogEvents']) add(group, actor, a, stream, { why: `flow log ${stack.name}/${logicalId} delivers to ${p.LogGroupName} with this role` });
  }

  // ---- CloudWatch Logs encrypting and decrypting each KMS-encrypted log group ----------------
  // CloudWatch Logs calls KMS as logs.REGION.amazonaws.com with the group's ARN as the encryption
  // context aws:logs:arn: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
  // (writers and readers of the events need no KMS permission). Negative: the same key for a log
  // group the key policy does not name.
  for (const { stack, logicalId, props } of resourcesOfType(assembly, 'AWS::Logs::LogGroup')) {
    const p = props();
    if (!p.KmsKeyId) continue;
    const k = keyArn(p.KmsKeyId, stack);
    const name = p.LogGroupName || physical(stack, logicalId).ref;
    const group = `log group ${name}`;
    const actor = { label: `CloudWatch Logs (${stack.region})`, principal: `logs.${stack.region}.amazonaws.com`, service: true };
    const arn = `arn:aws:logs:${stack.region}:${stack.account}:log-group:${name}`;
    for (const a of ['kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt']) {
      add(group, actor, a, k, { why: `CloudWatch Logs encrypts and decrypts the events of ${name} with this key`, context: { 'aws:SourceAccount': stack.account, 'kms:EncryptionContext:aws:logs:arn': arn } });
    }
    add(group, actor, 'kms:Decrypt', k, { expect: 'Denied', why: 'the key admits CloudWatch Logs only for the log groups it names', context: { 'aws:SourceAccount': stack.account, 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${stack.region}:${stack.account}:log-group:/intruder` } });
  }

  // ---- EventBridge rules and CloudWatch alarms publishing to SNS topics; Lambda targets -------
  for (const { stack, logicalId, props } of resourcesOfType(assembly, 'AWS::Events::Rule')) {
    const p = props();
    const ruleArn = getAtt(stack, logicalId, 'Arn');
    for (const t of p.Targets || []) {
      const source = { 'aws:SourceArn': ruleArn, 'aws:SourceAccount': stack.account };
      const actor = t.RoleArn ? roleActor(t.RoleArn) : { label: `EventBridge rule ${stack.name}/${logicalId}`, principal: 'events.amazonaws.com', service: true };
      const why = `rule ${stack.name}/${logicalId} targets it`;
      const group = `rule ${logicalId}`;
      if (t.RoleArn) {
        // EventBridge assumes the target's role (trust policy side), then calls as that role.
        add(group, { label: `EventBridge rule ${stack.name}/${logicalId}`, principal: 'events.amazonaws.com', service: true }, 'sts:AssumeRole', t.RoleArn, { why: `${why} with this role`, context: source });
        if (!actor) missingRole(group, t.RoleArn, `role of a target of rule ${logicalId}`);
      }
      if (t.Arn.startsWith('arn:aws:sns:')) {
        publishCalls(group, actor, t.Arn, source, why);
      } else if (t.Arn.startsWith('arn:aws:lambda:')) {
        add(group, actor, 'lambda:InvokeFunction', t.Arn, { why, context: source });
      } else if (t.Arn.startsWith('arn:aws:codepipeline:')) {
        add(group, actor, 'codepipeline:StartPipelineExecution', t.Arn, { why: `${why}: a source change starts the pipeline` });
      } else {
        skipped.push(`${stack.name}/${logicalId}: target ${t.Arn} is of a kind tools/access does not prove`);
      }
    }
  }
  for (const { stack, logicalId, props } of resourcesOfType(assembly, 'AWS::CloudWatch::Alarm')) {
    const p = props();
    const alarmArn = getAtt(stack, logicalId, 'Arn');
    for (const t of [...(p.AlarmActions || []), ...(p.OKActions || []), ...(p.InsufficientDataActions || [])]) {
      if (!String(t).startsWith('arn:aws:sns:')) continue;
      const actor = { label: `CloudWatch alarm ${stack.name}/${logicalId}`, principal: 'cloudwatch.amazonaws.com', service: true };
      publishCalls(`alarm ${logicalId}`, actor, t, { 'aws:SourceArn': alarmArn, 'aws:SourceAccount': stack.account }, `alarm ${stack.name}/${logicalId} notifies it`);
    }
  }
  function publishCalls(group, actor, topic, source, why) {
    add(group, actor, 'sns:Publish', topic, { why, context: source });
    const k = index.topicKeys.get(topic);
    if (k) {
      for (const a of ['kms:GenerateDataKey', 'kms:Decrypt']) {
        add(group, actor, a, k, { why: `${why}, and the topic is encrypted with this key`, context: { ...source, 'kms:EncryptionContext:aws:sns:topicArn': topic } });
      }
    }
  }
  // Negative proofs for every topic: nobody in another account, principal or rule, publishes.
  for (const { stack, logicalId } of resourcesOfType(assembly, 'AWS::SNS::Topic')) {
    const topic = physical(stack, logicalId).ref;
    const group = `topic ${logicalId}`;
    add(group, foreignRole('sns:Publish'), 'sns:Publish', topic, { expect: 'Denied', why: 'another account\'s principal must not publish to our topics' });
    add(group, { label: `EventBridge rule in account ${FOREIGN_ACCOUNT}`, principal: 'events.amazonaws.com', service: true }, 'sns:Publish', topic, {
      expect: 'Denied',
      why: 'another account\'s EventBridge rule must not publish to our topics',
      context: { 'aws:SourceArn': `arn:aws:events:${stack.region}:${FOREIGN_ACCOUNT}:rule/intruder`, 'aws:SourceAccount': FOREIGN_ACCOUNT },
    });
  }
  // Lambda functions invoked by our rules (the delivery-metrics collector): logs and the tables
  // named in their environment, with the DynamoDB calls their bundled code makes.
  for (const { stack, logicalId, props } of resourcesOfType(assembly, 'AWS::Lambda::Function')) {
    const p = props();
    const fnArn = getAtt(stack, logicalId, 'Arn');
    if (!proofs.some((x) => x.action === 'lambda:InvokeFunction' && x.resource === fnArn)) continue;
    const actor = roleActor(p.Role);
    const name = p.FunctionName || physical(stack, logicalId).ref;
    const group = `function ${name}`;
    if (!actor) { missingRole(group, p.Role, `role of function ${name}`); continue; }
    serviceAssumes(group, 'lambda.amazonaws.com', actor, fnArn, stack.account);
    const why = `function ${name} runs as this role`;
    const lg = (p.LoggingConfig && p.LoggingConfig.LogGroup) || `/aws/lambda/${name}`;
    const stream = `arn:aws:logs:${stack.region}:${stack.account}:log-group:${lg}:log-stream:2026/01/01/[$LATEST]abc`;
    add(group, actor, 'logs:CreateLogStream', stream, { why: `${why}: it logs to ${lg}` });
    add(group, actor, 'logs:PutLogEvents', stream, { why: `${why}: it logs to ${lg}` });
    // Asynchronous invocations that fail go to the function's dead-letter queue, sent with the
    // function's role: https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-dlq
    const dlq = p.DeadLetterConfig && p.DeadLetterConfig.TargetArn;
    if (dlq) add(group, actor, dlq.startsWith('arn:aws:sns:') ? 'sns:Publish' : 'sqs:SendMessage', dlq, { why: `${why}: events it fails on go to its dead-letter queue` });
    const code = lambdaCode(assembly, p);
    const calls = [...new Set([...code.matchAll(/\.(putItem|getItem|deleteItem|updateItem|query|scan|batchWriteItem|batchGetItem)\(/g)].map((m) => `dynamodb:${m[1][0].toUpperCase()}${m[1].slice(1)}`))];
    for (const value of Object.values((p.Environment && p.Environment.Variables) || {})) {
      const table = runtime.tables.get(`${stack.account}/${value}`);
      if (!table) continue;
      if (!calls.length) skipped.push(`${group}: table ${value} is in the environment but no DynamoDB call was found in the bundled code`);
      for (const a of calls) add(group, actor, a, table, { why: `${why}: its code calls ${a} on the table named in its environment` });
    }
  }
  // No role of the assembly can be assumed from a foreign account (trust policy side).
  for (const role of index.roles.values()) {
    add(`role ${role.name}`, foreignRole(), 'sts:AssumeRole', role.arn, { expect: 'Denied', why: 'a foreign account must not assume our roles' });
  }
  // Roles whose policies are AWS-managed only (the CodeDeploy service role with
  // AWSCodeDeployRoleForECS, custom-resource providers with AWSLambdaBasicExecutionRole): the
  // iam-simulate packages ship no AWS-managed policy documents, so their calls are left out.
  for (const role of index.roles.values()) {
    if (role.awsManagedPolicies.length) skipped.push(`${role.stack}/${role.logicalId} (${role.name}): relies on ${role.awsManagedPolicies.map((a) => a.split('/').pop()).join(', ')}, whose documents iam-simulate does not ship`);
  }
  return { proofs, skipped };

  function foreignRole(action = 'sts:AssumeRole') {
    return {
      label: `role intruder in foreign account ${FOREIGN_ACCOUNT}`,
      principal: `arn:aws:iam::${FOREIGN_ACCOUNT}:role/intruder`,
      account: FOREIGN_ACCOUNT,
      identityPolicies: [{ name: 'intruder-allows-everything', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] } }],
    };
  }
}

function regionOf(arn) {
  return arn.split(':')[3];
}

// The CodeBuild project of the action whose output artifact is `artifact`.
function findProducer(stages, artifact, projectArnByName, stack) {
  for (const s of stages) {
    for (const a of s.Actions) {
      if (a.ActionTypeId.Provider === 'CodeBuild' && (a.OutputArtifacts || []).some((o) => o.Name === artifact)) {
        const p = projectArnByName.get(`${stack.account}/${a.Configuration.ProjectName}`);
        return p && p.arn;
      }
    }
  }
  return undefined;
}

function runtimeIndex(assembly) {
  const deploymentGroups = new Map();
  for (const { stack, props } of resourcesOfType(assembly, 'AWS::CodeDeploy::DeploymentGroup')) {
    const p = props();
    const svc = (p.ECSServices || [])[0] || {};
    deploymentGroups.set(`${stack.account}/${p.ApplicationName}/${p.DeploymentGroupName}`, { config: p.DeploymentConfigName, cluster: svc.ClusterName, service: svc.ServiceName, serviceRole: p.ServiceRoleArn, stack });
  }
  const functions = new Map();
  for (const { stack, logicalId, props } of resourcesOfType(assembly, 'AWS::Lambda::Function')) {
    functions.set(getAtt(stack, logicalId, 'Arn'), { stack, logicalId, props: props() });
  }
  const parameters = resourcesOfType(assembly, 'AWS::SSM::Parameter').map(({ stack, props }) => ({ stack, name: props().Name }));
  const tables = new Map();
  for (const { stack, logicalId } of resourcesOfType(assembly, 'AWS::DynamoDB::Table')) {
    tables.set(`${stack.account}/${physical(stack, logicalId).ref}`, getAtt(stack, logicalId, 'Arn'));
  }
  return { deploymentGroups, parameters, tables, functions };
}

// The source of a function: inline ZipFile or the asset directory CDK staged in the assembly.
function lambdaCode(assembly, p) {
  const fs = require('node:fs');
  const path = require('node:path');
  if (p.Code && p.Code.ZipFile) return p.Code.ZipFile;
  const key = p.Code && p.Code.S3Key;
  const hash = key && key.replace(/\.zip$/, '');
  const dir = hash && path.join(assembly.dir, `asset.${hash}`);
  if (!dir || !fs.existsSync(dir)) return '';
  let text = '';
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) { if (e.name !== 'node_modules') walk(f); } else if (/\.(js|mjs|cjs|py)$/.test(e.name)) text += fs.readFileSync(f, 'utf8');
    }
  };
  walk(dir);
  return text;
}

module.exports = { derive, FOREIGN_ACCOUNT };
