'use strict';
// The access proofs of one assembly: load, index policies, derive calls, evaluate.
const { loadAssembly } = require('./assembly');
const { buildIndex } = require('./policies');
const { derive } = require('./derive');
const { evaluate } = require('./evaluate');
const { recreatedRoleProofs } = require('./recreated');

function prepare(dir) {
  const assembly = loadAssembly(dir);
  const index = buildIndex(assembly);
  const derived = derive(assembly, index);
  const proofs = [...derived.proofs, ...recreatedRoleProofs(derived.proofs, index)];
  return { assembly, index, proofs, skipped: derived.skipped };
}

module.exports = { prepare, evaluate };
