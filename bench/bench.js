#!/usr/bin/env node
// The synthesis benchmark that bench/run.sh runs after building. Each scenario runs the built CLI
// BENCH_RUNS times (default 3) under /usr/bin/time and prints one table row: services, stacks,
// resources, median wall time (and range), median CPU time, peak resident memory of the largest
// single process (/usr/bin/time %M) and of all processes together (sampled from /proc every
// 100 ms: the CLI, its jsii node processes and any synthesis workers), and the largest template.
//
//   node bench/bench.js [--cli PATH/Slipway.Cli.dll] [--only ID,ID]
// IDs: default-cold, default-cached, services-1, services-10, services-25, services-25-one-process,
// services-25-one-changed, services-25-cached.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const { manifest } = require('./generate-manifest');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'bench', 'out');
const work = path.join(out, 'work'); // the CLI runs here: its cache is work/.slipway/cache
const runs = Number(process.env.BENCH_RUNS || 3);

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const cli = path.resolve(arg('--cli', path.join(root, 'src/Slipway.Cli/bin/Release/net10.0/Slipway.Cli.dll')));
const only = arg('--only', '').split(',').filter(Boolean);
const cacheSupported = execFileSync('dotnet', [cli, 'synth', '--help'], { encoding: 'utf8' }).includes('--no-cache');

const env = {
  ...process.env,
  DOTNET_CLI_TELEMETRY_OPTOUT: '1',
  DOTNET_NOLOGO: '1',
  JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION: '1',
  JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '1',
};
delete env.CDK_OUTDIR;
delete env.CDK_CONTEXT_JSON;

// Resident memory (bytes) of pid and all its descendants, from /proc.
function treeRss(pid) {
  const parents = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), { ppid: Number(fields[1]), rss: Number(fields[21]) * 4096 });
    } catch {
      // ended meanwhile
    }
  }
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    total += parents.get(p)?.rss ?? 0;
    for (const [child, info] of parents) if (info.ppid === p) stack.push(child);
  }
  return total;
}

function runOnce(args) {
  return new Promise((resolve, reject) => {
    const timeFile = path.join(out, 'time.txt');
    const child = spawn('/usr/bin/time', ['-f', '%e %M %U %S', '-o', timeFile, 'dotnet', cli, ...args],
      { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    let peak = 0;
    const timer = setInterval(() => { peak = Math.max(peak, treeRss(child.pid)); }, 100);
    child.on('close', (code) => {
      clearInterval(timer);
      if (code !== 0) {
        reject(new Error(`dotnet ${args.join(' ')} exited with ${code}:\n${stderr.slice(-2000)}`));
        return;
      }
      const [wall, maxRssKb, user, sys] = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
      resolve({ wall, cpu: user + sys, maxRss: maxRssKb * 1024, treeRss: peak, stdout });
    });
  });
}

function assemblyFacts(dir) {
  const manifestJson = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  let stacks = 0;
  let resources = 0;
  let largest = { resources: 0, bytes: 0, name: '' };
  for (const [id, artifact] of Object.entries(manifestJson.artifacts)) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    stacks++;
    const file = path.join(dir, artifact.properties.templateFile);
    const template = JSON.parse(fs.readFileSync(file, 'utf8'));
    const count = Object.keys(template.Resources || {}).length;
    const bytes = fs.statSync(file).size;
    resources += count;
    if (bytes > largest.bytes) largest = { resources: count, bytes, name: id };
  }
  return { stacks, resources, largest };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const mb = (b) => `${Math.round(b / 1048576)} MB`;

async function scenario(id, name, services, prepare) {
  if (only.length && !only.includes(id)) return null;
  const results = [];
  for (let r = 0; r < runs; r++) {
    const args = await prepare(r);
    results.push(await runOnce(args));
  }
  const outdir = path.join(work, 'cdk.out');
  const facts = assemblyFacts(outdir);
  const walls = results.map((x) => x.wall);
  const row = {
    id,
    name,
    services,
    stacks: facts.stacks,
    resources: facts.resources,
    wall: median(walls),
    min: Math.min(...walls),
    max: Math.max(...walls),
    cpu: median(results.map((x) => x.cpu)),
    maxRss: Math.max(...results.map((x) => x.maxRss)),
    treeRss: Math.max(...results.map((x) => x.treeRss)),
    largest: facts.largest,
  };
  printRow(row);
  return row;
}

function printHeader() {
  console.log(`| scenario | services | stacks | resources | median wall | range | median CPU | peak RSS, largest process | peak RSS, all processes | largest template |`);
  console.log(`|---|---:|---:|---:|---:|---:|---:|---:|---:|---|`);
}

function printRow(r) {
  console.log(`| ${r.name} | ${r.services} | ${r.stacks} | ${r.resources} | ${r.wall.toFixed(1)} s | ${r.min.toFixed(1)}–${r.max.toFixed(1)} s | ${r.cpu.toFixed(1)} s | ${mb(r.maxRss)} | ${mb(r.treeRss)} | ${r.largest.resources} resources, ${(r.largest.bytes / 1024).toFixed(0)} KB (${r.largest.name}) |`);
}

function write(file, text) {
  fs.writeFileSync(path.join(work, file), text);
  return file;
}

function clearCache() {
  fs.rmSync(path.join(work, '.slipway'), { recursive: true, force: true });
}

async function main() {
  fs.mkdirSync(work, { recursive: true });
  const cpuModel = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) || [])[1] || os.cpus()[0]?.model;
  console.log(`Slipway synthesis benchmark, ${new Date().toISOString()}`);
  console.log(`machine: ${os.cpus().length} cores (nproc ${execFileSync('nproc', { encoding: 'utf8' }).trim()}), ${cpuModel}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory; load average at start ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`cli: ${path.relative(root, cli)}; ${runs} run(s) per scenario${cacheSupported ? '' : ' (this build has no cache: every run synthesizes everything)'}\n`);

  const noCache = cacheSupported ? ['--no-cache'] : [];
  const synth = (file, extra = []) => ['synth', '-f', file, '-o', 'cdk.out', ...extra];
  const defaultManifest = write('default.yaml', fs.readFileSync(path.join(root, 'slipway.yaml'), 'utf8'));
  for (const n of [1, 10, 25]) write(`services-${n}.yaml`, manifest(n, -1));

  printHeader();
  const rows = [];
  rows.push(await scenario('default-cold', 'default example (slipway.yaml), cold: --no-cache', 1, async () => synth(defaultManifest, noCache)));
  if (cacheSupported) {
    rows.push(await scenario('default-cached', 'default example, unchanged (cache)', 1, async (r) => {
      if (r === 0) await runOnce(synth(defaultManifest));
      return synth(defaultManifest);
    }));
  }
  for (const n of [1, 10, 25]) {
    rows.push(await scenario(`services-${n}`, `${n} service(s) × 3 environments, cold: --no-cache`, n, async () => synth(`services-${n}.yaml`, noCache)));
  }
  if (cacheSupported) {
    rows.push(await scenario('services-25-one-process', '25 services, cold, one process: --no-cache --jobs 1', 25,
      async () => synth('services-25.yaml', [...noCache, '--jobs', '1'])));
    // Each run changes another service of the 25 (its prod desiredCount and an environment
    // variable), on top of a cache that holds the unchanged 25: exactly one service is synthesized.
    rows.push(await scenario('services-25-one-changed', '25 services, one changed (cache)', 25, async (r) => {
      if (r === 0) {
        clearCache();
        await runOnce(synth('services-25.yaml'));
      }
      return synth(write(`services-25-change-${r}.yaml`, manifest(25, (r * 7 + 3) % 25)));
    }));
    rows.push(await scenario('services-25-cached', '25 services, unchanged (cache)', 25, async () => synth('services-25.yaml')));
  }
  console.log(`\nload average at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify({ date: new Date().toISOString(), runs, rows: rows.filter(Boolean) }, null, 2));
}

main().catch((e) => {
  console.error(e.message);
  process.exitCode = 1;
});
