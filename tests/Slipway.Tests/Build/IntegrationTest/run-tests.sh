#!/usr/bin/env bash
# Tests for src/Slipway/Build/integration-test.sh. Plain bash, no bats.
#
# Puts fake-aws.sh first on PATH as "aws", runs the real script under scenarios and asserts on
# its exit code, its output and the log of aws invocations. Prints "ok - name" or
# "not ok - name" per test (failure details follow as "# ..." lines), then "N passed, M failed".
# Exits non-zero when any test failed. Runs shellcheck on the scripts when it is installed.

set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "${here}/../../../.." && pwd)"
script="${repo_root}/src/Slipway/Build/integration-test.sh"
stub="${here}/fake-aws.sh"

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

passed=0
failed=0
problems=()
T=""      # the current test's directory
rc=""     # exit code of the last run
out=""    # output (stdout + stderr) of the last run
elapsed=0 # seconds from a signal to the exit (signal_while_polling)

readonly ROLE_ARN="arn:aws:iam::222222222222:role/slipway-itest-orders"
readonly TASK_ARN="arn:aws:ecs:eu-west-1:222222222222:task/orders-cluster/0123456789abcdef"

# ---------------------------------------------------------------------------------------------
# Harness
# ---------------------------------------------------------------------------------------------

problem() { problems+=("$*"); }

new_test_dir() {
    T="${work}/$1"
    mkdir -p "${T}/bin" "${T}/state"
    ln -s "${stub}" "${T}/bin/aws"
    : >"${T}/aws.log"
}

# Environment of a run: defaults, then NAME=value arguments; "-NAME" removes a variable.
build_env() {
    declare -gA run_env=(
        [PATH]="${T}/bin:${PATH}"
        [HOME]="${T}"
        [FAKE_AWS_LOG]="${T}/aws.log"
        [FAKE_AWS_STATE]="${T}/state"
        [FAKE_AWS_SCENARIO]="pass"
        [CODEBUILD_BUILD_NUMBER]="42"
        [TARGET_ROLE_ARN]="${ROLE_ARN}"
        [TARGET_REGION]="eu-west-1"
        [PARAMETER_PATH]="/slipway/orders-staging-runtime-dev"
        [CONTAINER_NAME]="app"
        [TEST_COMMAND_JSON]='["python","integration/run_integration.py"]'
        [LOG_GROUP]="/slipway/orders/dev"
        [POLL_SECONDS]="1"
    )
    local arg
    for arg in "$@"; do
        if [[ "${arg}" == -* ]]; then
            unset "run_env[${arg#-}]"
        else
            run_env["${arg%%=*}"]="${arg#*=}"
        fi
    done
    env_args=()
    local name
    for name in "${!run_env[@]}"; do
        env_args+=("${name}=${run_env[${name}]}")
    done
}

# Runs the script in the foreground with a fresh environment.
run_itest() {
    build_env "$@"
    env -i "${env_args[@]}" bash "${script}" >"${T}/out" 2>&1
    rc=$?
    out="$(<"${T}/out")"
}

aws_log() { cat "${T}/aws.log"; }

calls() { grep -cF -- "$1" "${T}/aws.log"; }

assert_rc() {
    [[ "${rc}" == "$1" ]] || problem "expected exit code $1, got ${rc}"
}

assert_out() {
    [[ "${out}" == *"$1"* ]] || problem "output does not contain: $1"
}

assert_called() {
    grep -qF -- "$1" "${T}/aws.log" || problem "no aws call contains: $1"
}

assert_not_called() {
    if grep -qF -- "$1" "${T}/aws.log"; then problem "unexpected aws call containing: $1"; fi
}

assert_calls() {
    local n
    n="$(calls "$1")"
    [[ "${n}" == "$2" ]] || problem "expected $2 aws calls containing '$1', got ${n}"
}

# The single logged call of "$1" (e.g. "ecs run-task") must contain each further argument.
assert_call_has() {
    local op=$1 line
    shift
    line="$(grep -F -- "${op} " "${T}/aws.log" | head -n 1)"
    if [[ -z "${line}" ]]; then
        problem "no '${op}' call"
        return
    fi
    local part
    for part in "$@"; do
        [[ "${line}" == *"${part}"* ]] || problem "'${op}' call lacks: ${part}"
    done
}

run_test() {
    local name=$1 fn=$2
    problems=()
    new_test_dir "${fn}"
    "${fn}"
    if (( ${#problems[@]} == 0 )); then
        printf 'ok - %s\n' "${name}"
        passed=$(( passed + 1 ))
    else
        printf 'not ok - %s\n' "${name}"
        local p
        for p in "${problems[@]}"; do printf '#   %s\n' "${p}"; done
        if [[ -f "${T}/out" ]]; then
            printf '#   --- script output ---\n'
            sed 's/^/#   | /' "${T}/out"
        fi
        printf '#   --- aws calls ---\n'
        sed 's/^/#   | /' "${T}/aws.log"
        failed=$(( failed + 1 ))
    fi
}

# ---------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------

test_pass() {
    run_itest FAKE_AWS_SCENARIO=pass
    assert_rc 0
    assert_out "PASS orders api"
    assert_out "integration-log-page-2"
    assert_out "[itest] integration tests passed"
    assert_out "timeout 900s"
    assert_call_has "sts assume-role" \
        "--role-arn ${ROLE_ARN} " "--role-session-name slipway-itest-42 " "--duration-seconds 1800 " \
        "--query Credentials.[AccessKeyId,SecretAccessKey,SessionToken] --output text"
    assert_call_has "ssm get-parameters" \
        "--names /slipway/orders-staging-runtime-dev/cluster /slipway/orders-staging-runtime-dev/service /slipway/orders-staging-runtime-dev/subnets /slipway/orders-staging-runtime-dev/security-group /slipway/orders-staging-runtime-dev/service-url "
    assert_calls "ssm get-parameters" 1
    assert_call_has "ecs describe-services" "--cluster orders-cluster " "--services orders-service "
    assert_call_has "ecs run-task" \
        "--cluster orders-cluster " \
        "--task-definition arn:aws:ecs:eu-west-1:222222222222:task-definition/orders:42 " \
        "--launch-type FARGATE " "--count 1 " "--started-by slipway-itest " \
        "--network-configuration awsvpcConfiguration={subnets=[subnet-aaa,subnet-bbb],securityGroups=[sg-123],assignPublicIp=DISABLED} " \
        '--overrides {"containerOverrides":[{"name":"app","command":["python","integration/run_integration.py"],"environment":[{"name":"SERVICE_URL","value":"http://internal-orders.example:8080"}]}]} '
    assert_call_has "ecs describe-tasks" "--cluster orders-cluster " "--tasks ${TASK_ARN} "
    assert_calls "ecs describe-tasks" 3
    assert_call_has "logs get-log-events" \
        "--log-group-name /slipway/orders/dev " "--log-stream-name app/app/0123456789abcdef " "--start-from-head"
    assert_calls "logs get-log-events" 3
    assert_called "--next-token f/page2 "
    assert_called "--next-token f/page3 "
    assert_not_called "ecs stop-task"
    # Every call names the region; every call after assume-role uses the assumed credentials.
    local n_calls n_region n_assumed
    n_calls="$(wc -l <"${T}/aws.log")"
    n_region="$(grep -cF -- "--region eu-west-1 " "${T}/aws.log")"
    [[ "${n_calls}" == "${n_region}" ]] || problem "only ${n_region} of ${n_calls} aws calls pass --region eu-west-1"
    n_assumed="$(grep -c 'key=ASIAFAKEKEY region=eu-west-1\]$' "${T}/aws.log")"
    [[ "${n_assumed}" == "$(( n_calls - 1 ))" ]] || problem "only ${n_assumed} of $(( n_calls - 1 )) calls after assume-role use the assumed credentials"
    [[ "$(head -n 1 "${T}/aws.log")" == "sts assume-role "* ]] || problem "assume-role is not the first aws call"
}

test_fail() {
    run_itest FAKE_AWS_SCENARIO=fail
    assert_rc 1
    assert_out "FAIL orders api: expected 200, got 500"
    assert_out "integration-log-page-2"
    assert_out "exited with code 1"
    assert_not_called "ecs stop-task"
}

test_timeout() {
    run_itest FAKE_AWS_SCENARIO=timeout TIMEOUT_SECONDS=2 POLL_SECONDS=1
    assert_rc 1
    assert_out "timed out after 2s"
    assert_out "PASS orders api"   # logs are printed on timeout too
    assert_calls "ecs stop-task" 1
    assert_call_has "ecs stop-task" "--cluster orders-cluster " "--task ${TASK_ARN} " \
        "--reason Slipway integration test timed out after 2s "
}

test_timeout_minutes() {
    # TIMEOUT_MINUTES drives the timeout, and the credentials last the test plus 15 minutes for
    # starting, stopping and printing logs: at 45 minutes exactly the role-chaining hour.
    run_itest FAKE_AWS_SCENARIO=pass TIMEOUT_MINUTES=45
    assert_rc 0
    assert_out "timeout 2700s"
    assert_call_has "sts assume-role" "--duration-seconds 3600 "
}

test_timeout_beyond_role_chaining() {
    # A chained role session lasts at most one hour: a longer test could not stop its own task.
    local case_
    for case_ in TIMEOUT_MINUTES=46 TIMEOUT_SECONDS=2701; do
        : >"${T}/aws.log"
        run_itest FAKE_AWS_SCENARIO=pass "${case_}"
        [[ "${rc}" == 2 ]] || problem "${case_}: expected exit code 2, got ${rc}"
        [[ "${out}" == *"at most 2700 seconds (45 minutes)"* ]] || problem "${case_}: output does not name the limit: ${out}"
        [[ ! -s "${T}/aws.log" ]] || problem "${case_}: aws was called"
    done
}

test_short_timeout_requests_the_minimum_session() {
    run_itest FAKE_AWS_SCENARIO=pass TIMEOUT_SECONDS=2
    assert_rc 0
    assert_call_has "sts assume-role" "--duration-seconds 902 "
}

# signal_while_polling SIGNAL: starts the runner on a task that never stops, sends SIGNAL once it
# polls, and waits for it; sets rc, out and elapsed (seconds from the signal to the exit).
signal_while_polling() {
    build_env FAKE_AWS_SCENARIO=stuck POLL_SECONDS=5 TIMEOUT_SECONDS=600
    # With the signals' default dispositions: a shell started with SIGHUP ignored (nohup, some CI
    # agents) cannot trap it, so the runner must not inherit that from whoever runs these tests.
    env -i --default-signal=HUP,INT,TERM "${env_args[@]}" bash "${script}" >"${T}/out" 2>&1 &
    local pid=$! waited=0
    while (( waited < 100 )) && ! grep -qF "ecs describe-tasks" "${T}/aws.log"; do
        sleep 0.1
        waited=$(( waited + 1 ))
    done
    sleep 0.3
    kill "-$1" "${pid}"
    local start=${SECONDS}
    wait "${pid}"
    rc=$?
    elapsed=$(( SECONDS - start ))
    out="$(<"${T}/out")"
}

test_hup_while_polling() {
    signal_while_polling HUP
    assert_rc 129
    assert_out "received SIGHUP"
    assert_calls "ecs stop-task" 1
}

test_runfail() {
    run_itest FAKE_AWS_SCENARIO=runfail
    assert_rc 1
    assert_out "RESOURCE:ENI (No ENI capacity in subnet-aaa)"
    assert_out "could not start the test task"
    assert_calls "ecs run-task" 1
    assert_not_called "ecs describe-tasks"
    assert_not_called "ecs stop-task"
}

test_missing_variables() {
    local name
    for name in TARGET_ROLE_ARN TARGET_REGION PARAMETER_PATH CONTAINER_NAME TEST_COMMAND_JSON LOG_GROUP; do
        : >"${T}/aws.log"
        run_itest "-${name}"
        [[ "${rc}" == 2 ]] || problem "without ${name}: expected exit code 2, got ${rc}"
        [[ "${out}" == *"missing required environment variable ${name}"* ]] \
            || problem "without ${name}: output does not name it: ${out}"
        [[ ! -s "${T}/aws.log" ]] || problem "without ${name}: aws was called"
    done
    # Empty counts as missing for everything but TARGET_ROLE_ARN.
    run_itest "LOG_GROUP="
    [[ "${rc}" == 2 && "${out}" == *"LOG_GROUP"* ]] || problem "empty LOG_GROUP: exit ${rc}: ${out}"
}

test_invalid_configuration() {
    local case_
    for case_ in 'TEST_COMMAND_JSON=python integration/run.py' 'TIMEOUT_MINUTES=abc' 'POLL_SECONDS=0' 'CONTAINER_NAME=app"x'; do
        : >"${T}/aws.log"
        run_itest "${case_}"
        [[ "${rc}" == 2 ]] || problem "${case_}: expected exit code 2, got ${rc}"
        [[ ! -s "${T}/aws.log" ]] || problem "${case_}: aws was called"
    done
}

test_term_while_polling() {
    signal_while_polling TERM
    assert_rc 143
    (( elapsed <= 3 )) || problem "the script took ${elapsed}s to react to TERM"
    assert_out "received SIGTERM"
    assert_calls "ecs stop-task" 1
    assert_call_has "ecs stop-task" "--cluster orders-cluster " "--task ${TASK_ARN} " \
        "--reason Stopped by slipway integration test cleanup "
}

test_cleanup_failure_keeps_exit_code() {
    # stop-task fails both on timeout and in the cleanup trap: the exit code stays 1.
    run_itest FAKE_AWS_SCENARIO=timeout TIMEOUT_SECONDS=1 POLL_SECONDS=1 FAKE_AWS_STOP_FAILS=1
    assert_rc 1
    assert_calls "ecs stop-task" 2
    assert_out "cleanup: could not stop task"
    assert_out "timed out after 1s"
}

test_empty_role_uses_current_credentials() {
    run_itest TARGET_ROLE_ARN= AWS_ACCESS_KEY_ID=AKIAORIGINAL
    assert_rc 0
    assert_not_called "sts assume-role"
    assert_out "using the current credentials"
    local n_calls n_original
    n_calls="$(wc -l <"${T}/aws.log")"
    n_original="$(grep -c 'key=AKIAORIGINAL ' "${T}/aws.log")"
    [[ "${n_calls}" == "${n_original}" ]] || problem "only ${n_original} of ${n_calls} calls use the current credentials"
}

test_no_exit_code_and_no_log_stream() {
    run_itest FAKE_AWS_SCENARIO=nocode FAKE_AWS_NOLOGS=1
    assert_rc 1
    assert_out "has no exit code"
    assert_out "CannotPullContainerError: pull image manifest has been retried 5 time(s)"
    assert_out "log stream app/app/0123456789abcdef does not exist"
    assert_calls "logs get-log-events" 1
    assert_not_called "ecs stop-task"
}

test_missing_parameter() {
    run_itest FAKE_AWS_MISSING_PARAM=service-url
    assert_rc 1
    assert_out "missing SSM parameters in eu-west-1: /slipway/orders-staging-runtime-dev/service-url"
    assert_not_called "ecs run-task"
}

test_shellcheck() {
    rc=""
    out=""
    if ! shellcheck -x "${script}" "${stub}" "${BASH_SOURCE[0]}" >"${T}/out" 2>&1; then
        problem "shellcheck reported findings"
    fi
}

# ---------------------------------------------------------------------------------------------

run_test "passing task exits 0, prints logs, runs the deployed task definition with the overrides" test_pass
run_test "failing task exits 1 and prints logs" test_fail
run_test "timeout stops the task and exits 1" test_timeout
run_test "TIMEOUT_MINUTES sets the timeout and the credential duration" test_timeout_minutes
run_test "a timeout beyond the role-chaining hour exits 2 before any aws call" test_timeout_beyond_role_chaining
run_test "a short timeout requests a session of the test plus 15 minutes" test_short_timeout_requests_the_minimum_session
run_test "HUP while polling stops the task" test_hup_while_polling
run_test "run-task failures exit 1 with the reason" test_runfail
run_test "missing required variables exit 2 naming the variable" test_missing_variables
run_test "invalid configuration exits 2 before any aws call" test_invalid_configuration
run_test "TERM while polling stops the task" test_term_while_polling
run_test "a failing cleanup does not mask the exit code" test_cleanup_failure_keeps_exit_code
run_test "empty TARGET_ROLE_ARN uses the current credentials" test_empty_role_uses_current_credentials
run_test "no exit code fails with the stopped reason; a missing log stream is tolerated" test_no_exit_code_and_no_log_stream
run_test "a missing SSM parameter fails naming it" test_missing_parameter
if command -v shellcheck >/dev/null 2>&1; then
    run_test "shellcheck" test_shellcheck
else
    printf '# shellcheck not installed; skipped\n'
fi

printf '%s passed, %s failed\n' "${passed}" "${failed}"
(( failed == 0 ))
