'use strict';
// The recreated-role case: a runtime stack deleted and deployed again recreates its roles with
// the same ARNs and new unique ids. IAM stores a role named as a policy principal by the unique
// id of the role that existed when the policy was saved: "When you save the policy, AWS
// transforms the ARN to a unique principal ID ... if you delete the role, then the relationship
// is broken. The policy no longer applies, even if you recreate the role"
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles).
// So a recreated proof evaluates the resource policy as IAM holds it after the recreation (each
// Principal entry naming the role replaced by the old role's unique id) against a request from
// the new role (same ARN, aws:PrincipalArn unchanged, another aws:userid). A policy that names
// the role as principal fails it; the account principal with an aws:PrincipalArn condition passes.

const { policyOwner } = require('./evaluate');

// A role unique id (AROA + 17 upper-case letters and digits), stable per role and generation.
function uniqueId(role, generation) {
  let h = 0n;
  for (const c of `${role.arn}#${generation}`) h = (h * 131n + BigInt(c.charCodeAt(0))) % (36n ** 17n);
  return `AROA${h.toString(36).toUpperCase().padStart(17, '0')}`;
}

// The policy as IAM stores it once the role it names has been deleted and recreated.
function asStoredAfterRecreation(policy, role) {
  const stored = uniqueId(role, 'deleted');
  const swap = (v) => (v === role.arn ? stored : v);
  return {
    ...policy,
    Statement: [].concat(policy.Statement).map((s) => {
      const out = { ...s };
      for (const key of ['Principal', 'NotPrincipal']) {
        const p = s[key];
        if (p && typeof p === 'object' && p.AWS !== undefined) out[key] = { ...p, AWS: Array.isArray(p.AWS) ? p.AWS.map(swap) : swap(p.AWS) };
      }
      return out;
    }),
  };
}

function namesRole(policy, role) {
  return JSON.stringify(policy).includes(`"${role.arn}"`);
}

// One recreated variant of every granted call whose resource policy lives in another stack
// than the actor's role and names that role (by principal or by condition): the relationships a
// recreated runtime (or pipeline) stack could break.
function recreatedRoleProofs(proofs, index) {
  const out = [];
  const seen = new Set();
  for (const p of proofs) {
    if (p.expect !== 'Allowed' || p.missing || p.noResourcePolicy || !p.actor.role || p.recreated) continue;
    const owner = p.owner || policyOwner(p.resource);
    const rp = index.resourcePolicies.get(owner);
    if (!rp || rp.stack === p.actor.role.stack || !namesRole(rp.policy, p.actor.role)) continue;
    const key = `${p.actor.role.arn}|${p.action}|${p.resource}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ ...p, recreated: true, why: `${p.why ? `${p.why}; ` : ''}the role keeps its ARN when its stack is deleted and deployed again, not its unique id` });
  }
  return out;
}

module.exports = { uniqueId, asStoredAfterRecreation, recreatedRoleProofs };
