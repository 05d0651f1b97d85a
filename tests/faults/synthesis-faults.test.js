'use strict';
// The fault suite: `slipway synth` and `validate` run as real processes, and broken as an operator
// or a machine would break them — processes killed with signals at several points, cache files
// truncated, deleted and edited, two syntheses at once, hostile manifests, a full disk. Every
// case asserts the exit code, the message, and that every file written is valid JSON identical,
// byte for byte, to a clean synthesis of the same manifest (made once, first).
//
//   node --test --test-reporter=tap 'tests/faults/*.test.js'    (after dotnet build -c Release)
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test, before, after } = require('node:test');
const h = require('./harness');
const hostile = require('./hostile');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-faults-'));
const cache = path.join(work, '.slipway', 'cache');
const synth = (out, ...extra) => ['synth', '-f', 'two.yaml', '-o', out, ...extra];
const at = (dir) => path.join(work, dir);
let reference;

// Warnings other than the ones a case expects make it fail: a clean run prints none.
const lines = (text) => text.split('\n').filter(Boolean);

before(async () => {
  fs.copyFileSync(path.join(__dirname, 'two-services.yaml'), at('two.yaml'));
  const clean = await h.slipway(['synth', '--no-cache', '-f', 'two.yaml', '-o', 'reference', '--jobs', '2'], { cwd: work });
  assert.equal(clean.code, 0, clean.stderr);
  reference = h.readTree(at('reference'));
  assert.ok([...reference.keys()].some((f) => f.endsWith('.template.json')), 'the clean synthesis wrote templates');
});

after(() => fs.rmSync(work, { recursive: true, force: true }));

test('two syntheses at once into the same directory (and cache) both succeed with the clean files', async () => {
  const runs = await Promise.all([1, 2].map(() => h.slipway(synth('concurrent', '--jobs', '1'), { cwd: work })));
  for (const r of runs) {
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Synthesized 4 stack\(s\) from two\.yaml/);
    assert.deepEqual(lines(r.stderr), []);
  }
  assert.deepEqual(h.compare(at('concurrent'), reference), []);
});

test('an unchanged manifest is taken from the cache, byte for byte', async () => {
  const r = await h.slipway(synth('cached'), { cwd: work });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\(2 of 2 service\(s\) unchanged, reused from \.slipway\/cache\)/);
  assert.deepEqual(lines(r.stderr), []);
  assert.deepEqual(h.compare(at('cached'), reference), []);
});

test('a truncated and a deleted cache file: the entries are discarded, each said in one line, the services synthesized again', async () => {
  const alpha = h.cacheEntry(cache, 'Alpha');
  const beta = h.cacheEntry(cache, 'Beta');
  fs.writeFileSync(path.join(alpha, 'AlphaPipelineDev.template.json'), '{broken');
  fs.rmSync(path.join(beta, 'BetaDevRuntimeDev.template.json'));

  const r = await h.slipway(synth('damaged', '--jobs', '2'), { cwd: work });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\(0 of 2 service\(s\) unchanged/);
  assert.deepEqual(lines(r.stderr).sort(), [
    `warning: the cached templates of service "alpha" (.slipway/cache/${path.basename(alpha)}) are damaged (AlphaPipelineDev.template.json is 7 bytes, ${reference.get('AlphaPipelineDev.template.json').length.toLocaleString('en-US')} when written): discarded, synthesizing the service again.`,
    `warning: the cached templates of service "beta" (.slipway/cache/${path.basename(beta)}) are damaged (BetaDevRuntimeDev.template.json is missing): discarded, synthesizing the service again.`,
  ]);
  assert.deepEqual(h.compare(at('damaged'), reference), []);

  const again = await h.slipway(synth('damaged'), { cwd: work });
  assert.match(again.stdout, /\(2 of 2 service\(s\) unchanged/, 'the new entries are intact');
  assert.deepEqual(lines(again.stderr), []);
});

test('an edited cache file, then the synthesis killed (SIGKILL) while it synthesizes: the previous output is untouched', async () => {
  const alpha = h.cacheEntry(cache, 'Alpha');
  const file = path.join(alpha, 'AlphaDevRuntimeDev.template.json');
  const text = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, text.replace('"AWS::', '"aws::')); // same size, still JSON
  h.copyTree(at('reference'), at('killed'));
  const existing = new Set(fs.readdirSync(cache));

  const r = await h.slipway(synth('killed', '--jobs', '1'), {
    cwd: work,
    during: (child) => h.whenever(
      () => fs.readdirSync(cache).some((d) => d.startsWith('tmp-') && !existing.has(d)),
      () => setTimeout(() => h.kill(child.pid), 1000)),
  });
  assert.equal(r.signal, 'SIGKILL', `it was still running (exit ${r.code}): ${r.stdout}`);
  assert.deepEqual(lines(r.stderr), [
    `warning: the cached templates of service "alpha" (.slipway/cache/${path.basename(alpha)}) are damaged (AlphaDevRuntimeDev.template.json was changed after it was written): discarded, synthesizing the service again.`,
  ]);
  assert.deepEqual(h.compare(at('killed'), reference), []);
});

test('killed (SIGKILL) just after a service is published to the cache: the output is untouched and the next run reuses the entry', async () => {
  const existing = new Set(fs.readdirSync(cache));
  const r = await h.slipway(synth('killed', '--jobs', '1'), {
    cwd: work,
    during: (child) => {
      const watcher = fs.watch(cache, (_, name) => {
        if (name && /^[0-9a-f]{32}$/.test(name) && !existing.has(name) && fs.existsSync(path.join(cache, name))) {
          h.kill(child.pid);
          watcher.close();
        }
      });
      return { stop: () => watcher.close() };
    },
  });
  assert.equal(r.signal, 'SIGKILL', `it was not killed (exit ${r.code}): ${r.stderr}`);
  assert.deepEqual(h.compare(at('killed'), reference, { allowTemporary: true }), []);

  const next = await h.slipway(synth('killed'), { cwd: work });
  assert.equal(next.code, 0, next.stderr);
  assert.match(next.stdout, /\(2 of 2 service\(s\) unchanged/);
  assert.deepEqual(lines(next.stderr), []);
  assert.deepEqual(h.compare(at('killed'), reference), []);
});

test('killed (SIGKILL) while it writes the cloud assembly: every file there is whole, and the next run completes it', async () => {
  let killed = null;
  for (let attempt = 1; attempt <= 5 && !killed; attempt++) {
    const out = at(`merge-${attempt}`);
    fs.mkdirSync(out);
    const r = await h.slipway(synth(path.basename(out)), {
      cwd: work,
      during: (child) => {
        // The first file event in the empty output directory: the merge has begun writing.
        const watcher = fs.watch(out, () => { h.kill(child.pid); watcher.close(); });
        return { stop: () => watcher.close() };
      },
    });
    if (r.signal === 'SIGKILL') killed = out;
    else assert.equal(r.code, 0, r.stderr);
  }
  assert.ok(killed, 'the synthesis was killed while writing in one of 5 attempts');
  assert.deepEqual(h.compare(killed, reference, { complete: false, allowTemporary: true }), []);

  const next = await h.slipway(synth(path.basename(killed)), { cwd: work });
  assert.equal(next.code, 0, next.stderr);
  assert.deepEqual(h.compare(killed, reference), [], 'complete, and the killed run\'s temporary files removed');
});

test('a synthesis worker killed (SIGKILL): named with its service and signal, its service synthesized again in the parent, exit 0', async () => {
  fs.rmSync(h.cacheEntry(cache, 'Alpha'), { recursive: true });
  fs.rmSync(h.cacheEntry(cache, 'Beta'), { recursive: true });
  let worker = null;
  const r = await h.slipway(synth('worker-killed', '--jobs', '2'), {
    cwd: work,
    during: (child) => h.whenever(() => h.workerOf(child.pid), (w) => {
      worker = w;
      setTimeout(() => h.kill(w.pid), 1500);
    }),
  });
  assert.ok(worker, 'a worker was started');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(lines(r.stderr), [
    `warning: the synthesis worker (pid ${worker.pid}) for service "beta" was killed (SIGKILL), likely by the system for lack of memory (the out-of-memory killer) or by a cancelled job; synthesizing it again in this process. If this recurs, run with --jobs 1 (one synthesis process, each with its own JavaScript runtime of about 300 MB, at a time) or give the machine more memory.`,
  ]);
  assert.deepEqual(h.compare(at('worker-killed'), reference), []);
});

test('a worker\'s JavaScript runtime killed, then the parent\'s during the retry: exit 1 naming the service, what happened and the fix', async () => {
  fs.rmSync(h.cacheEntry(cache, 'Alpha'), { recursive: true });
  fs.rmSync(h.cacheEntry(cache, 'Beta'), { recursive: true });
  h.copyTree(at('reference'), at('gave-up'));
  let worker = null;
  const r = await h.slipway(synth('gave-up', '--jobs', '2'), {
    cwd: work,
    during: (child, output) => {
      const first = h.whenever(() => { const w = h.workerOf(child.pid); return w && h.jsiiRuntimeOf(w.pid) && w; }, (w) => {
        worker = w;
        h.kill(h.jsiiRuntimeOf(w.pid).pid);
      });
      const second = h.whenever(() => output.stderr.includes('warning: the synthesis worker') && h.jsiiRuntimeOf(child.pid),
        (node) => h.kill(node.pid));
      return { stop() { first.stop(); second.stop(); } };
    },
  });
  assert.ok(worker, 'a worker was started');
  assert.equal(r.code, 1, r.stderr);
  const runtimeEnded = 'its JavaScript runtime (the jsii node process) ended unexpectedly, most likely killed by the system for lack of memory';
  assert.deepEqual(lines(r.stderr), [
    `warning: the synthesis worker (pid ${worker.pid}) for service "beta" failed: ${runtimeEnded}; synthesizing it again in this process. If this recurs, run with --jobs 1 (one synthesis process, each with its own JavaScript runtime of about 300 MB, at a time) or give the machine more memory.`,
    `error: service "beta" could not be synthesized: the synthesis worker (pid ${worker.pid}) failed: ${runtimeEnded}, and synthesizing it again in this process failed too: ${runtimeEnded}. To fix: run with --jobs 1 (one synthesis process, each with its own JavaScript runtime of about 300 MB, at a time) or give the machine more memory.`,
  ]);
  assert.deepEqual(h.compare(at('gave-up'), reference), [], 'the previous output is untouched');
});

test('hostile manifests are rejected with exit 1 and the limit named, quickly and in little memory', async (t) => {
  const dir = at('hostile');
  fs.mkdirSync(dir);
  const timed = fs.existsSync('/usr/bin/time');
  if (!timed) t.diagnostic('GNU time (/usr/bin/time, Debian package time) is missing: peak memory is not checked');
  for (const c of hostile.write(dir)) {
    for (const command of c.id === 'alias-bomb' ? ['validate', 'synth'] : ['validate']) {
      const args = command === 'synth' ? ['synth', '-f', c.file, '-o', 'out'] : ['validate', '-f', c.file];
      const r = await h.slipway(args, { cwd: dir, timeWrapper: timed });
      t.diagnostic(`${c.id} (${command}): exit ${r.code} in ${r.ms} ms${r.peakKb ? `, peak ${Math.round(r.peakKb / 1024)} MB` : ''}`);
      assert.equal(r.code, 1, `${c.id}: ${r.stderr}`);
      assert.match(r.stderr, /^error: 1 problem\(s\) in the manifest:\n/, c.id);
      assert.match(r.stderr, c.message, c.id);
      // A second is the aim (most take 0.3 s); the bound leaves room for a loaded CI machine.
      assert.ok(r.ms < 5000, `${c.id}: ${r.ms} ms`);
      if (r.peakKb) assert.ok(r.peakKb < 400 * 1024, `${c.id}: peak ${r.peakKb} KB`);
    }
  }
  assert.equal(fs.existsSync(path.join(dir, 'out')), false, 'nothing was synthesized');
});

test('a full output disk (a small tmpfs): exit 1 with the fix, every file written whole; a previous assembly there stays intact', async (t) => {
  const mnt = at('full');
  const mounted = h.mountTmpfs(mnt, 256 * 1024);
  if (!mounted.ok) {
    t.skip(`cannot mount a tmpfs here (${mounted.why}): run the suite as root on Linux to fill a disk`);
    return;
  }
  try {
    const r = await h.slipway(synth('full'), { cwd: work });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: the cloud assembly could not be written to full: the disk is full \(No space left on device[^\n]*\)\. Free space there, or write elsewhere with -o DIR, and run again\. Every file already in full is complete: each is replaced whole or not at all\.\n$/);
    assert.deepEqual(h.compare(mnt, reference, { complete: false }), []);
  } finally {
    h.unmount(mnt);
  }

  // The previous assembly on a disk with no room left: the failed run must not damage it.
  // Room for the assembly twice (a file is replaced by writing its new copy first), then filled up.
  const size = 2 * [...reference.values()].reduce((n, b) => n + Math.ceil(b.length / 4096) * 4096, 0) + 64 * 1024;
  assert.ok(h.mountTmpfs(mnt, size).ok);
  try {
    for (const [file, bytes] of reference) {
      fs.mkdirSync(path.dirname(path.join(mnt, file)), { recursive: true });
      fs.writeFileSync(path.join(mnt, file), bytes);
    }
    const filler = path.join(mnt, 'filler');
    const fd = fs.openSync(filler, 'w');
    try {
      for (;;) fs.writeSync(fd, Buffer.alloc(4096));
    } catch (e) {
      assert.equal(e.code, 'ENOSPC');
    } finally {
      fs.closeSync(fd);
    }
    const r = await h.slipway(synth('full'), { cwd: work });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /No space left on device/);
    fs.rmSync(filler);
    assert.deepEqual(h.compare(mnt, reference), []);

    const next = await h.slipway(synth('full'), { cwd: work });
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(h.compare(mnt, reference), []);
  } finally {
    h.unmount(mnt);
  }
});

test('a full cache disk (a small tmpfs under .slipway): exit 1 naming the service, the full disk and the fix, not an internal error', async (t) => {
  const dir = at('cache-full');
  fs.mkdirSync(dir);
  fs.copyFileSync(at('two.yaml'), path.join(dir, 'two.yaml'));
  const mounted = h.mountTmpfs(path.join(dir, '.slipway'), 200 * 1024);
  if (!mounted.ok) {
    t.skip(`cannot mount a tmpfs here (${mounted.why}): run the suite as root on Linux to fill a disk`);
    return;
  }
  try {
    const r = await h.slipway(synth('out', '--jobs', '1'), { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(lines(r.stderr), [
      'error: service "alpha" could not be synthesized: the disk is full (ENOSPC while the JavaScript runtime wrote the templates). To fix: free some disk space and run again.',
    ]);
    assert.equal(fs.existsSync(path.join(dir, 'out')), false, 'no cloud assembly was written');
  } finally {
    h.unmount(path.join(dir, '.slipway'));
  }
});
