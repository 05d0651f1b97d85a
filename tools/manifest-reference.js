#!/usr/bin/env node
// Prints the manifest reference table (Markdown) from schema/slipway.schema.json.
// The README's "Manifest reference" section is this output; a test checks they agree.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'schema', 'slipway.schema.json'), 'utf8'));
const rows = new Map();

function typeOf(node) {
  if (node.enum) return node.enum.join(' \\| ');
  if (!node.type && node.oneOf) return 'string or object';
  if (node.type === 'array' && node.items && node.items.type) return `list of ${node.items.type}s`;
  return node.type || '';
}

function walk(node, prefix) {
  const required = new Set(node.required || []);
  for (const [name, child] of Object.entries(node.properties || {})) {
    const field = prefix ? `${prefix}.${name}` : name;
    if (!rows.has(field)) {
      rows.set(field, `| \`${field}\` | ${typeOf(child)} | ${required.has(name) ? '**required** ' : ''}${child.description || ''} |`);
    }
    walk(child, field);
    if (child.items && typeof child.items === 'object') walk(child.items, `${field}[]`);
    for (const branch of child.oneOf || []) walk(branch, field);
  }
}

walk(schema, '');
console.log(['| field | type | meaning (default) |', '|---|---|---|', ...rows.values()].join('\n'));
