#!/usr/bin/env node
// Time and peak memory of rejecting hostile manifests (the alias bomb, cycles, deep nesting, an
// oversized document, too many services or environments, binary input): `slipway validate` run
// BENCH_RUNS times (default 3) per manifest under GNU time. The fault suite
// (tests/faults/synthesis-faults.test.js) asserts the same rejections and messages.
//
//   node bench/hostile.js [--cli PATH/Slipway.Cli.dll]      (bench/run.sh --hostile builds first)
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const hostile = require('../tests/faults/hostile');

const root = path.resolve(__dirname, '..');
const dir = path.join(root, 'bench', 'out', 'hostile');
const runs = Number(process.env.BENCH_RUNS || 3);
const i = process.argv.indexOf('--cli');
const cli = path.resolve(i >= 0 ? process.argv[i + 1] : path.join(root, 'src/Slipway.Cli/bin/Release/net10.0/Slipway.Cli.dll'));

if (!fs.existsSync('/usr/bin/time')) {
  console.error('GNU time (/usr/bin/time) is needed for peak memory: apt-get install time (bench/run.sh installs it)');
  process.exit(1);
}
fs.mkdirSync(dir, { recursive: true });
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

console.log(`Rejecting hostile manifests, ${new Date().toISOString()}; ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; ${runs} run(s) each`);
console.log('(before the limits, the alias bomb made `slipway validate` grow to 11 GB and run past 60 s: issue 16)\n');
console.log('| manifest | size | exit | median wall | peak RSS | message |');
console.log('|---|---:|---:|---:|---:|---|');
for (const c of hostile.write(dir)) {
  const results = [];
  for (let r = 0; r < runs; r++) {
    const out = spawnSync('/usr/bin/time', ['-f', '%e %M', 'dotnet', cli, 'validate', '-f', c.file], { cwd: dir, encoding: 'utf8', env: { ...process.env, DOTNET_NOLOGO: '1' } });
    const [wall, kb] = out.stderr.trim().split('\n').pop().split(' ').map(Number);
    results.push({ code: out.status, wall, kb, message: out.stderr.split('\n')[1]?.trim() ?? '' });
  }
  const last = results[results.length - 1];
  const size = fs.statSync(path.join(dir, c.file)).size;
  const message = last.message.length > 110 ? `${last.message.slice(0, 110)}…` : last.message;
  console.log(`| ${c.what} | ${size.toLocaleString('en-US')} B | ${last.code} | ${median(results.map((x) => x.wall)).toFixed(2)} s | ${Math.round(Math.max(...results.map((x) => x.kb)) / 1024)} MB | ${message.replace(/\|/g, '\\|')} |`);
}
