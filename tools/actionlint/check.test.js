'use strict';
// node --test tools/actionlint/
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { test } = require('node:test');
const { lintFiles } = require('./check.js');

const repoRoot = path.join(__dirname, '..', '..');
const broken = path.join('tools', 'actionlint', 'fixtures', 'broken.yml');

function runCli(...args) {
  const result = spawnSync(process.execPath, [path.join(__dirname, 'check.js'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  return { code: result.status, lines: result.stdout.trimEnd().split('\n') };
}

test('the repository workflows pass (every .github/workflows file by default)', () => {
  const { code, lines } = runCli();
  assert.match(lines.at(-1), /^actionlint: [1-9]\d* files, 0 findings$/);
  assert.equal(code, 0, lines.join('\n'));
});

test('the broken workflow fixture is caught', async () => {
  const findings = await lintFiles([path.join(repoRoot, broken)]);
  const has = (kind, pattern) => findings.some((f) => f.kind === kind && pattern.test(f.message));
  assert.ok(has('syntax-check', /unexpected key "runs_on"/), 'runs-on typo');
  assert.ok(has('syntax-check', /"runs-on" section is missing/), 'missing runs-on');
  assert.ok(has('expression', /property "nonexistent_ctx" is not defined/), 'unknown github property');
  assert.ok(has('job-needs', /needs job "biuld" which does not exist/), 'bad needs');
  assert.ok(!findings.some((f) => /"vars"/.test(f.message)), 'vars is a valid context');
  assert.equal(findings.length, 4);
});

test('CLI prints file:line:col: message [kind] and exits 1 on findings', () => {
  const { code, lines } = runCli(broken);
  assert.equal(code, 1);
  assert.ok(lines.includes(`${broken}:21:3: job "deploy-dev" needs job "biuld" which does not exist in this workflow [job-needs]`), lines.join('\n'));
  assert.equal(lines.at(-1), 'actionlint: 1 files, 4 findings');
});
