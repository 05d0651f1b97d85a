'use strict';
// node --test tools/nag/
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test } = require('node:test');
const { checkAssemblies, findTemplates } = require('./check.js');

const fixture = (name) => path.join(__dirname, 'fixtures', name);
const ruleIds = (report) => report.findings.map((f) => f.ruleId).sort();

function runCli(...args) {
  const result = spawnSync(process.execPath, [path.join(__dirname, 'check.js'), ...args], { encoding: 'utf8' });
  return { code: result.status, lines: result.stdout.trimEnd().split('\n'), stderr: result.stderr };
}

test('an S3 bucket without SSL enforcement or access logs is reported', () => {
  const report = checkAssemblies([fixture('unsuppressed')]);
  assert.deepEqual(ruleIds(report), ['AwsSolutions-S1', 'AwsSolutions-S10']);
  assert.equal(report.errors, 2);
  for (const f of report.findings) {
    assert.equal(f.level, 'ERROR');
    assert.equal(f.logicalId, 'Bucket83908E77');
  }
});

test('resource-level cdk_nag suppressions are honoured', () => {
  const report = checkAssemblies([fixture('resource-suppressed')]);
  assert.deepEqual(report.findings, []);
});

test('stack-level cdk_nag suppressions in the root Metadata are honoured', () => {
  const report = checkAssemblies([fixture('stack-suppressed')]);
  assert.deepEqual(report.findings, []);
});

test('an applies_to suppression removes only the matching finding', () => {
  const report = checkAssemblies([fixture('applies-to')]);
  assert.deepEqual(ruleIds(report), ['AwsSolutions-IAM5[Action::s3:*]']);
  assert.equal(report.findings[0].logicalId, 'ReaderPolicy');
});

test('templates of nested assemblies are found, asset folders are not searched', () => {
  const templates = findTemplates(fixture('staged')).map((t) => path.relative(fixture('staged'), t));
  assert.deepEqual(templates, [path.join('assembly-Dev', 'DevAppStack1A2B3C4D.template.json')]);
});

test('warning-level rules count as warnings', () => {
  const report = checkAssemblies([fixture('staged')]);
  assert.deepEqual(ruleIds(report), ['AwsSolutions-DDB3']);
  assert.equal(report.warnings, 1);
  assert.equal(report.errors, 0);
});

test('a template CfnInclude cannot load is an error finding, not a crash', () => {
  const report = checkAssemblies([fixture('unloadable')]);
  assert.equal(report.errors, 1);
  assert.equal(report.findings[0].ruleId, 'TemplateLoadFailure');
  assert.match(report.findings[0].explanation, /MissingQueue/);
});

test('CLI prints one line per finding and the summary, exit 1 on findings', () => {
  const { code, lines } = runCli(fixture('unsuppressed'), fixture('stack-suppressed'), fixture('staged'));
  assert.equal(code, 1);
  assert.equal(lines.length, 4);
  const template = path.join(fixture('unsuppressed'), 'BucketStack.template.json');
  assert.ok(lines[0].startsWith(`${template}: ERROR AwsSolutions-S1 Bucket83908E77: The S3 Bucket has server access logs disabled.`), lines[0]);
  assert.match(lines[2], /: WARN AwsSolutions-DDB3 Table: /);
  assert.equal(lines[3], 'cdk-nag: 3 templates, 2 errors, 1 warnings');
});

test('CLI exits 0 when everything is suppressed', () => {
  const { code, lines } = runCli(fixture('resource-suppressed'), fixture('stack-suppressed'));
  assert.equal(code, 0);
  assert.deepEqual(lines, ['cdk-nag: 2 templates, 0 errors, 0 warnings']);
});

test('CLI --json prints the report as JSON', () => {
  const { code, lines } = runCli('--json', fixture('applies-to'));
  assert.equal(code, 1);
  const report = JSON.parse(lines.join('\n'));
  assert.equal(report.templates, 1);
  assert.equal(report.errors, 1);
  assert.equal(report.findings[0].ruleId, 'AwsSolutions-IAM5[Action::s3:*]');
});

test('CLI exits 1 when no template is found', () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'nag-empty-'));
  try {
    const { code, lines } = runCli(empty);
    assert.equal(code, 1);
    assert.equal(lines.at(-1), 'cdk-nag: 0 templates, 0 errors, 0 warnings');
  } finally {
    fs.rmSync(empty, { recursive: true });
  }
});

test('CLI rejects a missing directory', () => {
  const { code, stderr } = runCli(fixture('does-not-exist'));
  assert.equal(code, 2);
  assert.match(stderr, /is not a directory/);
});

test('CLI --pack nist-800-53-r5 runs cdk-nag\'s NIST 800-53 Rev. 5 pack instead of AwsSolutions', () => {
  const { code, lines } = runCli('--pack', 'nist-800-53-r5', fixture('unsuppressed'));
  assert.equal(code, 1);
  const findings = lines.slice(0, -1);
  assert.ok(findings.length > 0);
  assert.ok(findings.every((l) => / (ERROR|WARN) (NIST\.800\.53\.R5-|CdkNagValidationFailure)/.test(l)), findings.join('\n'));
  assert.ok(findings.some((l) => l.includes('NIST.800.53.R5-S3BucketLoggingEnabled Bucket83908E77')), findings.join('\n'));
  assert.match(lines.at(-1), /^cdk-nag \(nist-800-53-r5\): 1 templates, [1-9]\d* errors, \d+ warnings$/);
});

test('CLI rejects an unknown pack', () => {
  const { code, stderr } = runCli('--pack', 'pci', fixture('unsuppressed'));
  assert.equal(code, 2);
  assert.match(stderr, /unknown pack pci \(use aws-solutions or nist-800-53-r5\)/);
});
