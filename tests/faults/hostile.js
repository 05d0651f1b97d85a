'use strict';
// Hostile manifests, shared by the fault suite and bench/hostile.js: each with the limit (or
// rule) it breaks and the message that must name it.
const fs = require('node:fs');
const path = require('node:path');

const MiB = 1024 * 1024;

const cases = [
  {
    id: 'alias-bomb',
    what: 'a 9-line alias bomb (9 aliases of 9 aliases ... of 9 values: 9^9 = 387 million nodes)',
    text: () => fs.readFileSync(path.join(__dirname, 'hostile', 'alias-bomb.yaml'), 'utf8'),
    message: /alias-bomb\.yaml:\d+:\d+: the manifest holds more than 500,000 YAML nodes \(keys, values, lists and mappings\) once its aliases are expanded \(here \*\w adds [\d,]+\); Slipway reads at most 500,000/,
  },
  {
    id: 'alias-cycle',
    what: 'an alias inside its own anchor (YamlDotNet would make a cycle)',
    text: () => 'services:\n  - name: &a [*a]\n',
    message: /alias-cycle\.yaml:2:15: \*a refers to &a, which contains it/,
  },
  {
    id: 'alias-forward',
    what: 'an alias before its anchor (escapes counting; YAML forbids it)',
    text: () => 'services:\n  - name: *a\n  - name: &a x\n',
    message: /alias-forward\.yaml:2:11: \*a refers to no anchor &a above it/,
  },
  {
    id: 'anchor-twice',
    what: 'an anchor defined twice, the second containing an alias of the first',
    text: () => 'x: &a [1]\ny: &a [*a, *a]\nservices: []\n',
    message: /anchor-twice\.yaml:2:4: the anchor &a is defined a second time \(first at line 1\)/,
  },
  {
    id: 'deep',
    what: 'lists nested 10,000 deep',
    text: () => `services:\n  - name: ${'['.repeat(10000)}${']'.repeat(10000)}\n`,
    message: /deep\.yaml:2:\d+: lists and mappings nest more than 64 levels deep here; Slipway reads at most 64/,
  },
  {
    id: 'oversized',
    what: 'a 3 MB document (comments)',
    text: () => `services: []\n${'# padding padding padding padding padding padding padding padding\n'.repeat(Math.ceil((3 * MiB) / 66))}`,
    message: /oversized\.yaml: the manifest is [\d,]+ bytes; Slipway reads manifests of at most 1 MB \(1,048,576 bytes\)/,
  },
  {
    id: 'too-many-services',
    what: '1,001 services (13 KB)',
    text: () => `services:\n${Array.from({ length: 1001 }, (_, i) => `  - name: s${i}\n`).join('')}`,
    message: /too-many-services\.yaml:\d+:\d+: services: more than 1,000 services; a manifest holds at most 1,000/,
  },
  {
    id: 'too-many-environments',
    what: '101 environments in one service',
    text: () => `services:\n  - name: a\n    environments:\n${Array.from({ length: 101 }, (_, i) => `      - name: e${i}\n`).join('')}`,
    message: /too-many-environments\.yaml:104:9: environments: more than 100 environments in one service; a service has at most 100/,
  },
  {
    id: 'complex-key',
    what: 'a list as a mapping key',
    text: () => '? [a, b]\n: c\n',
    message: /complex-key\.yaml:1:3: a key must be a field name \(text\), not a list/,
  },
  {
    id: 'binary',
    what: '64 KB of random bytes',
    text: () => Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 2654435761) >>> 24)),
    message: /binary\.yaml:\d+:\d+: not valid YAML/,
  },
];

// Writes each case into dir as ID.yaml; returns the cases with their file names.
function write(dir) {
  return cases.map((c) => {
    const file = `${c.id}.yaml`;
    fs.writeFileSync(path.join(dir, file), c.text());
    return { ...c, file };
  });
}

module.exports = { cases, write };
