'use strict';
// The access proofs of one assembly: load, index policies, derive calls, evaluate.
const { loadAssembly } = require('./assembly');
const { buildIndex } = require('./policies');
const { derive } = require('./derive');
const { evaluate } = require('./evaluate');

function prepare(dir) {
  const assembly = loadAssembly(dir);
  const index = buildIndex(assembly);
  const { proofs, skipped } = derive(assembly, index);
  return { assembly, index, proofs, skipped };
}

module.exports = { prepare, evaluate };
