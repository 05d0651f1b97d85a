'use strict';
// Synthesizes the catalog's examples before and after their edits, cheaply. Every example is
// synthesized once as it is (the "before"); the edits are applied in rounds: round r holds each
// example's r-th edit, so one manifest per round carries several examples' services and the CLI
// starts its JavaScript runtime once per round, synthesizes the services in parallel worker
// processes and reuses unchanged ones from its cache (cdk.out/changes/.slipway/cache). Several
// examples name their service alike (orders): each example's service is renamed `<name>-<k>` in
// every manifest, before and after alike. An example with a `github` section (whose deploy stacks
// join every service of the app) has manifests of its own.

const fs = require('node:fs');
const path = require('node:path');
const { execFile } = require('node:child_process');
const YAML = require('yaml');
const { MANIFESTS, EDITS, MATRIX } = require('./catalog');

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'src', 'Slipway.Cli', 'bin', 'Release', 'net10.0', 'Slipway.Cli.dll');

/** Every (example, edit) pair, numbered, with its round (the edit's place among its example's edits). */
function pairs() {
  const list = [];
  const perExample = new Map();
  for (const edit of EDITS) {
    for (const example of MATRIX[edit.id] ?? []) {
      const round = (perExample.get(example) ?? 0) + 1;
      perExample.set(example, round);
      list.push({ n: list.length + 1, edit, example, round });
    }
  }
  return list;
}

function readManifest(example) {
  return YAML.parse(fs.readFileSync(path.join(ROOT, MANIFESTS[example]), 'utf8'));
}

/**
 * The manifests to synthesize: per group (plain, or one github example), a before manifest and
 * one after manifest per round. Sets pair.service, pair.before and pair.after (manifest names).
 */
function manifests(list) {
  const examples = Object.keys(MANIFESTS);
  const files = new Map(); // name -> document
  const put = (name, doc, service, github) => {
    if (!files.has(name)) files.set(name, { services: [], ...(github ? { github } : {}) });
    files.get(name).services.push(service);
  };
  const used = new Set(list.map(p => p.example));
  const renamed = new Map();
  for (const example of used) {
    const doc = readManifest(example);
    // Every service of the example, renamed apart from the other examples'; an edit changes the
    // first one (shared-network's services share one VPC per environment, so both go together).
    const services = doc.services.map((original) => {
      const service = structuredClone(original);
      service.name = `${service.name}-${examples.indexOf(example) + 1}`;
      if (service.source?.codecommit) service.source.codecommit.repository += `-${examples.indexOf(example) + 1}`;
      return service;
    });
    const group = doc.github ? `github-${example}` : 'plain';
    renamed.set(example, { services, group, github: doc.github });
    for (const service of services) put(`${group}-before`, doc, service, doc.github);
  }
  for (const pair of list) {
    const { services, group, github } = renamed.get(pair.example);
    const after = structuredClone(services[0]);
    pair.edit.apply(after);
    pair.service = services[0].name;
    pair.before = `${group}-before`;
    pair.after = `${group}-round${pair.round}`;
    put(pair.after, null, after, github);
    for (const other of services.slice(1)) put(pair.after, null, other, github);
  }
  // Every after manifest is a whole app: the examples of its group that this round does not edit
  // come as they are (from the synthesis cache), so that stacks no service owns (shared-network's
  // VPC stacks) are never read as removed.
  for (const pair of list) {
    const { group } = renamed.get(pair.example);
    for (const [example, { services, group: other }] of renamed) {
      if (other !== group || list.some(p => p.example === example && p.round === pair.round)) continue;
      if (files.get(pair.after).services.includes(services[0])) continue;
      for (const service of services) put(pair.after, null, service, renamed.get(example).github);
    }
  }
  return files;
}

function run(args, cwd) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    execFile('dotnet', [CLI, ...args], { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`slipway ${args.join(' ')} failed (exit ${error.code}):\n${stdout}\n${stderr}`));
      else resolve({ seconds: (Date.now() - started) / 1000, stdout });
    });
  });
}

/** Writes and synthesizes the manifests; returns { pairs, dirs (manifest name -> assembly), seconds }. */
async function synthesizeAll({ workDir = path.join(ROOT, 'cdk.out', 'changes'), jobs = 1, parallel = 2 } = {}) {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: build the CLI first (dotnet build -c Release, or ./build.sh)`);
  fs.mkdirSync(workDir, { recursive: true });
  // Manifests and assemblies of an earlier catalog go; the synthesis cache stays.
  for (const entry of fs.readdirSync(workDir)) {
    if (entry !== '.slipway') fs.rmSync(path.join(workDir, entry), { recursive: true, force: true });
  }
  const list = pairs();
  const files = manifests(list);
  const started = Date.now();
  const dirs = {};
  const queue = [...files.entries()].sort(([a], [b]) => (b.startsWith('plain') - a.startsWith('plain')) || a.localeCompare(b));
  const seconds = {};
  // Two synthesis processes at once, each synthesizing in-process (--jobs 1): on 2 cores more
  // processes only add JavaScript runtimes to start (about 2 s of CPU each).
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [name, doc] = next;
      const file = path.join(workDir, `${name}.yaml`);
      fs.writeFileSync(file, YAML.stringify(doc));
      dirs[name] = path.join(workDir, name);
      seconds[name] = (await run(['synth', '-f', file, '-o', dirs[name], '--jobs', String(jobs)], workDir)).seconds;
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return { pairs: list, dirs, seconds, total: (Date.now() - started) / 1000 };
}

module.exports = { synthesizeAll, pairs, manifests, ROOT, CLI };
