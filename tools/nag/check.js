#!/usr/bin/env node
'use strict';
/*
 * Runs a cdk-nag pack (AwsSolutions by default) over already synthesized
 * CloudFormation templates, so a C# CDK app can be checked without adding
 * cdk-nag to it.
 *
 *   node tools/nag/check.js [--json] [--pack aws-solutions|nist-800-53-r5] <cdk.out> [<cdk.out> ...]
 *
 * Every *.template.json under each directory is checked (nested assemblies of
 * CDK Stages live in assembly-* subfolders). Each template is loaded with
 * CfnInclude into a fresh App and synthesized with the pack applied as an
 * Aspect. Suppressions are the ones cdk-nag itself writes into templates:
 * root Metadata.cdk_nag (stack level) and resource Metadata.cdk_nag
 * (resource level), each { rules_to_suppress: [{ id, reason, applies_to? }] }.
 *
 * Exit code: 0 when no finding, 1 on any unsuppressed error or warning (a
 * template that cannot be loaded is an error) or when no template was found,
 * 2 on bad usage.
 */

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { App, Aspects, DefaultStackSynthesizer, Stack } = require('aws-cdk-lib');
const { CfnInclude } = require('aws-cdk-lib/cloudformation-include');
const { AwsSolutionsChecks, NIST80053R5Checks, NagMessageLevel } = require('cdk-nag');

// The packs this tool runs, by the name given with --pack.
const PACKS = {
  'aws-solutions': AwsSolutionsChecks,
  'nist-800-53-r5': NIST80053R5Checks,
};

// Rule id reported when a template could not be loaded or checked at all.
const LOAD_FAILURE_ID = 'TemplateLoadFailure';

function oneLine(text) {
  return String(text ?? '').replace(/\s+/g, ' ').trim();
}

/** All *.template.json files under dir, sorted. */
function findTemplates(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      // asset.* folders hold staged Lambda code, Docker contexts and the like,
      // never stack templates (nested stack templates sit beside their parent).
      if (!entry.name.startsWith('asset.') && entry.name !== 'node_modules') {
        found.push(...findTemplates(full));
      }
    } else if (entry.isFile() && entry.name.endsWith('.template.json')) {
      found.push(full);
    }
  }
  return found.sort();
}

/**
 * A cdk-nag logger (INagLogger) that records what cdk-nag reports instead of
 * turning it into construct annotations. Suppressed findings never reach
 * onNonCompliance/onError, so everything recorded here is unsuppressed.
 */
class CollectingLogger {
  constructor() {
    this.findings = [];
  }

  onNonCompliance(data) {
    const ruleId = data.findingId ? `${data.ruleId}[${data.findingId}]` : data.ruleId;
    this.add(data, data.ruleLevel, ruleId, data.ruleInfo, data.ruleExplanation);
  }

  // A rule threw (typically on an intrinsic it cannot evaluate). cdk-nag's own
  // AnnotationLogger reports this as a warning under CdkNagValidationFailure,
  // which can be suppressed like any rule; do the same.
  onError(data) {
    this.add(data, NagMessageLevel.WARN, 'CdkNagValidationFailure',
      `${data.ruleId} threw an error during validation.`, data.errorMessage);
  }

  add(data, level, ruleId, message, explanation) {
    const resource = data.resource;
    this.findings.push({
      level: level === NagMessageLevel.ERROR ? 'ERROR' : 'WARN',
      ruleId,
      logicalId: Stack.of(resource).resolve(resource.logicalId),
      message: oneLine(message),
      explanation: oneLine(explanation),
    });
  }

  onCompliance() {}
  onSuppressed() {}
  onSuppressedError() {}
  onNotApplicable() {}
}

/**
 * Checks one template; returns its unsuppressed findings, each
 * { template, level, ruleId, logicalId, message, explanation }. Never throws: a template
 * that cannot be loaded or synthesized yields one ERROR finding.
 * workDir: a scratch directory this call may write into.
 */
function checkTemplate(file, workDir, pack = 'aws-solutions') {
  const logger = new CollectingLogger();
  try {
    const template = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (template === null || typeof template !== 'object' || Array.isArray(template)) {
      throw new Error('not a JSON object');
    }

    // Stack-level suppressions are read from the stack's templateOptions, but
    // CfnInclude would only copy the root Metadata into the output (and then
    // clash with templateOptions on synth), so move cdk_nag out of the
    // template that CfnInclude reads.
    const stackSuppressions = template.Metadata?.cdk_nag;
    if (stackSuppressions !== undefined) {
      delete template.Metadata.cdk_nag;
      if (Object.keys(template.Metadata).length === 0) delete template.Metadata;
    }
    const includedFile = path.join(workDir, 'included.template.json');
    fs.writeFileSync(includedFile, JSON.stringify(template));

    const app = new App({ outdir: path.join(workDir, 'cdk.out') });
    const stack = new Stack(app, 'Checked', {
      // The template already has its own CheckBootstrapVersion rule.
      synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
    });
    if (stackSuppressions !== undefined) {
      stack.templateOptions.metadata = { cdk_nag: stackSuppressions };
    }
    // Resource-level Metadata is kept by CfnInclude in cfnOptions.metadata,
    // which is exactly where cdk-nag reads it (CfnResource.getMetadata).
    new CfnInclude(stack, 'Template', { templateFile: includedFile });

    const Pack = PACKS[pack];
    if (!Pack) throw new Error(`unknown pack ${pack}`);
    Aspects.of(app).add(new Pack({
      verbose: true,
      reports: false, // no CSV files in the scratch directory
      additionalLoggers: [logger],
    }));
    app.synth();
  } catch (err) {
    logger.findings.push({
      level: 'ERROR',
      ruleId: LOAD_FAILURE_ID,
      logicalId: '-',
      message: 'The template could not be loaded or checked.',
      explanation: oneLine(err instanceof Error ? err.message : String(err)),
    });
  }
  return logger.findings.map((f) => ({ template: file, ...f }));
}

/** Checks every template in the given assembly directories. */
function checkAssemblies(dirs, pack = 'aws-solutions') {
  const templates = dirs.flatMap(findTemplates);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-nag-'));
  try {
    const findings = templates.flatMap((file, i) => {
      const workDir = path.join(scratch, String(i));
      fs.mkdirSync(workDir);
      return checkTemplate(file, workDir, pack);
    });
    return {
      templates: templates.length,
      errors: findings.filter((f) => f.level === 'ERROR').length,
      warnings: findings.filter((f) => f.level === 'WARN').length,
      findings,
    };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function formatFinding(f) {
  return `${f.template}: ${f.level} ${f.ruleId} ${f.logicalId}: ${f.message} ${f.explanation}`.trimEnd();
}

function main(argv) {
  const json = argv.includes('--json');
  let pack = 'aws-solutions';
  const dirs = [];
  let bad;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') continue;
    if (argv[i] === '--pack') {
      pack = argv[++i];
      if (!PACKS[pack]) bad = `unknown pack ${pack} (use ${Object.keys(PACKS).join(' or ')})`;
      continue;
    }
    if (argv[i].startsWith('-')) bad = `unknown option ${argv[i]}`;
    dirs.push(argv[i]);
  }
  if (dirs.length === 0 || bad) {
    console.error(`${bad ? `${bad}\n` : ''}usage: node tools/nag/check.js [--json] [--pack ${Object.keys(PACKS).join('|')}] <cdk.out> [<cdk.out> ...]`);
    return 2;
  }
  const missing = dirs.find((d) => !fs.statSync(d, { throwIfNoEntry: false })?.isDirectory());
  if (missing) {
    console.error(`cdk-nag: ${missing} is not a directory`);
    return 2;
  }

  const report = checkAssemblies(dirs, pack);
  if (json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    for (const f of report.findings) console.log(formatFinding(f));
    if (report.templates === 0) console.log(`no *.template.json found in ${dirs.join(', ')}`);
    console.log(`cdk-nag${pack === 'aws-solutions' ? '' : ` (${pack})`}: ${report.templates} templates, ${report.errors} errors, ${report.warnings} warnings`);
  }
  return report.templates === 0 || report.errors + report.warnings > 0 ? 1 : 0;
}

module.exports = { PACKS, findTemplates, checkTemplate, checkAssemblies, formatFinding };

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
