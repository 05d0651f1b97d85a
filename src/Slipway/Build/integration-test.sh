#!/usr/bin/env bash
# Slipway integration test runner.
#
# Runs in a CodeBuild project in the pipeline's tooling account after a CodeDeploy blue/green
# deployment to one environment. It starts a temporary ECS Fargate task from the service's
# just-deployed task definition with the test command as a container command override, waits
# for it, prints its logs and fails when the test container does not exit with code 0.
# The task is always stopped on the way out (normal exit, failure, timeout, INT or TERM).
#
# Needs only bash and the AWS CLI (no jq): every response is reduced with --query/--output text.
#
# Environment contract:
#   TARGET_ROLE_ARN    required (may be empty): role in the environment's account to assume;
#                      empty = use the current credentials
#   TARGET_REGION      required: the environment's region
#   PARAMETER_PATH     required: SSM prefix holding <path>/cluster, /service, /subnets
#                      (comma-separated), /security-group (comma-separated allowed), /service-url
#   CONTAINER_NAME     required: container of the task definition that runs the tests
#   TEST_COMMAND_JSON  required: JSON array of strings, the container command override
#   LOG_GROUP          required: awslogs group of the service (stream app/<container>/<task-id>)
#   TIMEOUT_MINUTES    optional, default 15, at most 45: how long the test task may run
#   TIMEOUT_SECONDS    optional: overrides TIMEOUT_MINUTES (for tests), at most 2700
#   POLL_SECONDS       optional, default 10: describe-tasks polling interval
#   CODEBUILD_BUILD_NUMBER optional: used in the assume-role session name
#
# Exit codes: 0 tests passed; 1 tests failed, timed out or an AWS call failed;
#             2 invalid or missing configuration; 129/130/143 interrupted by HUP/INT/TERM.

set -euo pipefail

readonly LOG_STREAM_PREFIX="app"
readonly STARTED_BY="slipway-itest"

log() { printf '[itest] %s\n' "$*"; }
err() { printf '[itest] ERROR: %s\n' "$*" >&2; }
die() { err "$1"; exit "${2:-1}"; }

# ---------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------

# TARGET_ROLE_ARN must be set but may be empty; every other required variable must be non-empty.
if [[ -z "${TARGET_ROLE_ARN+set}" ]]; then
    die "missing required environment variable TARGET_ROLE_ARN (set it to an empty string to use the current credentials)" 2
fi
for name in TARGET_REGION PARAMETER_PATH CONTAINER_NAME TEST_COMMAND_JSON LOG_GROUP; do
    if [[ -z "${!name:-}" ]]; then
        die "missing required environment variable ${name}" 2
    fi
done

is_positive_int() { [[ "$1" =~ ^[0-9]+$ ]] && (( 10#$1 > 0 )); }

timeout_minutes="${TIMEOUT_MINUTES:-15}"
is_positive_int "${timeout_minutes}" \
    || die "TIMEOUT_MINUTES must be a positive integer, got '${timeout_minutes}'" 2
timeout_seconds="${TIMEOUT_SECONDS:-$(( 10#${timeout_minutes} * 60 ))}"
is_positive_int "${timeout_seconds}" \
    || die "TIMEOUT_SECONDS must be a positive integer, got '${timeout_seconds}'" 2
timeout_seconds=$(( 10#${timeout_seconds} ))
# The CodeBuild role assumes the environment's role: role chaining, whose sessions AWS caps at
# one hour (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html#iam-term-role-chaining).
# The credentials must outlive the test by the margin below (starting the task before the clock
# runs, stopping it and printing its logs after), so the test itself gets at most 45 minutes.
readonly session_margin_seconds=900 max_session_seconds=3600
max_timeout_seconds=$(( max_session_seconds - session_margin_seconds ))
(( timeout_seconds <= max_timeout_seconds )) \
    || die "the test timeout is ${timeout_seconds}s; it must be at most ${max_timeout_seconds} seconds ($(( max_timeout_seconds / 60 )) minutes), because the chained role session that stops the task lasts at most one hour" 2
poll_seconds="${POLL_SECONDS:-10}"
is_positive_int "${poll_seconds}" \
    || die "POLL_SECONDS must be a positive integer, got '${poll_seconds}'" 2
poll_seconds=$(( 10#${poll_seconds} ))

# ECS container names: letters, digits, hyphens, underscores. Validated because the name is
# embedded in JSON and in a JMESPath expression.
[[ "${CONTAINER_NAME}" =~ ^[A-Za-z0-9_-]{1,255}$ ]] \
    || die "CONTAINER_NAME must match [A-Za-z0-9_-]{1,255}, got '${CONTAINER_NAME}'" 2

command_json="${TEST_COMMAND_JSON}"
# Trim surrounding whitespace; the AWS CLI validates the JSON itself, this only catches the
# common mistake of passing a plain command line instead of a JSON array.
command_json="${command_json#"${command_json%%[![:space:]]*}"}"
command_json="${command_json%"${command_json##*[![:space:]]}"}"
[[ "${command_json}" == \[*\] ]] \
    || die "TEST_COMMAND_JSON must be a JSON array of strings, e.g. [\"npm\",\"test\"], got '${TEST_COMMAND_JSON}'" 2

region="${TARGET_REGION}"
param_prefix="${PARAMETER_PATH%/}"
export AWS_REGION="${region}" AWS_DEFAULT_REGION="${region}"
export AWS_PAGER=""

# ---------------------------------------------------------------------------------------------
# Cleanup: always stop the task unless it is known to have stopped. Never changes the exit code.
# ---------------------------------------------------------------------------------------------

cluster=""
task_arn=""
task_stopped=0
sleep_pid=""
aws_err_file=""

cleanup() {
    set +e
    if [[ -n "${sleep_pid}" ]]; then
        kill "${sleep_pid}" 2>/dev/null
        sleep_pid=""
    fi
    if [[ -n "${task_arn}" && "${task_stopped}" -eq 0 ]]; then
        log "cleanup: stopping task ${task_arn}"
        if aws ecs stop-task --region "${region}" --cluster "${cluster}" --task "${task_arn}" \
            --reason "Stopped by slipway integration test cleanup" \
            --query 'task.lastStatus' --output text >/dev/null 2>&1; then
            task_stopped=1
        else
            log "cleanup: could not stop task ${task_arn} (it may already be stopped)"
        fi
    fi
    if [[ -n "${aws_err_file}" ]]; then
        rm -f "${aws_err_file}"
    fi
}

on_exit() {
    local rc=$?
    trap - EXIT
    cleanup
    exit "${rc}"
}

on_signal() {
    local signal_name=$1 rc=$2
    trap - HUP INT TERM
    err "received SIG${signal_name}, cleaning up"
    exit "${rc}" # runs on_exit, which stops the task
}

trap on_exit EXIT
trap 'on_signal HUP 129' HUP
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM

aws_err_file="$(mktemp)"

# Sleeps in the background so that INT/TERM interrupt the wait immediately.
interruptible_sleep() {
    sleep "$1" &
    sleep_pid=$!
    wait "${sleep_pid}" || true
    sleep_pid=""
}

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

json_escape() {
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/\\n}
    s=${s//$'\r'/\\r}
    s=${s//$'\t'/\\t}
    printf '%s' "${s}"
}

# Comma-separated ids -> comma-separated ids without whitespace, each validated.
normalize_ids() {
    local what=$1 raw=$2 id result=""
    local -a ids
    IFS=',' read -r -a ids <<<"${raw}"
    # ${ids[@]+...}: bash 4.2 (Amazon Linux 2) treats an empty array as unset under set -u.
    for id in ${ids[@]+"${ids[@]}"}; do
        id="${id//[[:space:]]/}"
        [[ -z "${id}" ]] && continue
        [[ "${id}" =~ ^[A-Za-z0-9-]+$ ]] || die "invalid ${what} id '${id}' in parameter value '${raw}'"
        result+="${result:+,}${id}"
    done
    [[ -n "${result}" ]] || die "parameter value for ${what} is empty"
    printf '%s' "${result}"
}

print_logs() {
    local stream="${LOG_STREAM_PREFIX}/${CONTAINER_NAME}/${task_id}"
    local token="" next="" out="" page=0
    local -a token_args
    log "----- logs of ${LOG_GROUP} ${stream} -----"
    while (( page < 1000 )); do
        page=$(( page + 1 ))
        token_args=()
        if [[ -n "${token}" ]]; then
            token_args=(--next-token "${token}")
        fi
        # shellcheck disable=SC2016 # backticks are JMESPath literals, not command substitution
        if ! out="$(aws logs get-log-events --region "${region}" \
            --log-group-name "${LOG_GROUP}" --log-stream-name "${stream}" \
            --start-from-head ${token_args[@]+"${token_args[@]}"} \
            --query '[[nextForwardToken], (events || `[]`)[].[message]]' \
            --output text 2>"${aws_err_file}")"; then
            if grep -q 'ResourceNotFoundException' "${aws_err_file}"; then
                log "log stream ${stream} does not exist (the container may never have started)"
            else
                log "could not read logs: $(tr '\n' ' ' <"${aws_err_file}")"
            fi
            break
        fi
        next="${out%%$'\n'*}"
        if [[ "${out}" == *$'\n'* ]]; then
            printf '%s\n' "${out#*$'\n'}"
        fi
        if [[ -z "${next}" || "${next}" == "None" || "${next}" == "${token}" ]]; then
            break
        fi
        token="${next}"
    done
    log "----- end of logs -----"
}

# ---------------------------------------------------------------------------------------------
# 1. Credentials for the environment's account
# ---------------------------------------------------------------------------------------------

if [[ -n "${TARGET_ROLE_ARN}" ]]; then
    session_name="slipway-itest-${CODEBUILD_BUILD_NUMBER:-$$}"
    session_name="${session_name//[^A-Za-z0-9+=,.@_-]/-}"
    session_name="${session_name:0:64}"
    # Credentials must outlive the test task and the cleanup that follows it; never above the
    # role-chaining hour (checked above), never below AssumeRole's minimum of 900 seconds.
    duration=$(( timeout_seconds + session_margin_seconds ))
    log "assuming role ${TARGET_ROLE_ARN} (session ${session_name}) in ${region}"
    credentials="$(aws sts assume-role --region "${region}" \
        --role-arn "${TARGET_ROLE_ARN}" --role-session-name "${session_name}" \
        --duration-seconds "${duration}" \
        --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)" \
        || die "could not assume role ${TARGET_ROLE_ARN}"
    IFS=$'\t' read -r access_key secret_key session_token <<<"${credentials}"
    if [[ -z "${access_key:-}" || -z "${secret_key:-}" || -z "${session_token:-}" || "${access_key}" == "None" ]]; then
        die "assume-role of ${TARGET_ROLE_ARN} returned no credentials"
    fi
    export AWS_ACCESS_KEY_ID="${access_key}" AWS_SECRET_ACCESS_KEY="${secret_key}" AWS_SESSION_TOKEN="${session_token}"
    unset AWS_PROFILE credentials access_key secret_key session_token
else
    log "TARGET_ROLE_ARN is empty: using the current credentials in ${region}"
fi

# ---------------------------------------------------------------------------------------------
# 2. Runtime parameters published by the runtime stack
# ---------------------------------------------------------------------------------------------

log "reading parameters under ${param_prefix}"
parameters="$(aws ssm get-parameters --region "${region}" --names \
    "${param_prefix}/cluster" "${param_prefix}/service" "${param_prefix}/subnets" \
    "${param_prefix}/security-group" "${param_prefix}/service-url" \
    --query 'Parameters[].[Name,Value]' --output text)" \
    || die "could not read SSM parameters under ${param_prefix}"

service="" subnets_raw="" security_groups_raw="" service_url=""
while IFS=$'\t' read -r param_name param_value; do
    case "${param_name}" in
        "${param_prefix}/cluster") cluster="${param_value}" ;;
        "${param_prefix}/service") service="${param_value}" ;;
        "${param_prefix}/subnets") subnets_raw="${param_value}" ;;
        "${param_prefix}/security-group") security_groups_raw="${param_value}" ;;
        "${param_prefix}/service-url") service_url="${param_value}" ;;
    esac
done <<<"${parameters}"

missing=()
[[ -n "${cluster}" ]] || missing+=("${param_prefix}/cluster")
[[ -n "${service}" ]] || missing+=("${param_prefix}/service")
[[ -n "${subnets_raw}" ]] || missing+=("${param_prefix}/subnets")
[[ -n "${security_groups_raw}" ]] || missing+=("${param_prefix}/security-group")
[[ -n "${service_url}" ]] || missing+=("${param_prefix}/service-url")
if (( ${#missing[@]} > 0 )); then
    die "missing SSM parameters in ${region}: ${missing[*]} (is the runtime stack deployed?)"
fi
subnets="$(normalize_ids subnet "${subnets_raw}")"
security_groups="$(normalize_ids security-group "${security_groups_raw}")"
log "cluster ${cluster}, service ${service}, subnets ${subnets}, security groups ${security_groups}, service url ${service_url}"

# ---------------------------------------------------------------------------------------------
# 3. The task definition CodeDeploy just made primary
# ---------------------------------------------------------------------------------------------

task_definition="$(aws ecs describe-services --region "${region}" \
    --cluster "${cluster}" --services "${service}" \
    --query 'services[0].taskDefinition' --output text)" \
    || die "could not describe service ${service} in cluster ${cluster}"
if [[ -z "${task_definition}" || "${task_definition}" == "None" ]]; then
    die "service ${service} not found in cluster ${cluster}"
fi
log "task definition ${task_definition}"

# ---------------------------------------------------------------------------------------------
# 4. Start the test task
# ---------------------------------------------------------------------------------------------

overrides="{\"containerOverrides\":[{\"name\":\"$(json_escape "${CONTAINER_NAME}")\",\"command\":${command_json},\"environment\":[{\"name\":\"SERVICE_URL\",\"value\":\"$(json_escape "${service_url}")\"}]}]}"
network="awsvpcConfiguration={subnets=[${subnets}],securityGroups=[${security_groups}],assignPublicIp=DISABLED}"

log "starting test task: container ${CONTAINER_NAME}, command ${command_json}"
# shellcheck disable=SC2016 # backticks are JMESPath literals, not command substitution
run_output="$(aws ecs run-task --region "${region}" \
    --cluster "${cluster}" --task-definition "${task_definition}" \
    --launch-type FARGATE --count 1 --started-by "${STARTED_BY}" \
    --network-configuration "${network}" \
    --overrides "${overrides}" \
    --query '[[tasks[0].taskArn], (failures || `[]`)[].[reason, detail, arn]]' \
    --output text)" \
    || die "run-task failed"

# First line: the task ARN (None when no task started); following lines: reason, detail, arn.
first_line="${run_output%%$'\n'*}"
failures=()
if [[ "${run_output}" == *$'\n'* ]]; then
    while IFS=$'\t' read -r f_reason f_detail f_arn; do
        [[ -z "${f_reason}${f_detail}${f_arn}" ]] && continue
        failure="${f_reason}"
        [[ -n "${f_detail}" && "${f_detail}" != "None" ]] && failure+=" (${f_detail})"
        [[ -n "${f_arn}" && "${f_arn}" != "None" ]] && failure+=" [${f_arn}]"
        failures+=("${failure}")
    done <<<"${run_output#*$'\n'}"
fi
if [[ -n "${first_line}" && "${first_line}" != "None" ]]; then
    task_arn="${first_line}"
fi
if (( ${#failures[@]} > 0 )); then
    for failure in "${failures[@]}"; do
        err "run-task failure: ${failure}"
    done
    die "could not start the test task"
fi
[[ -n "${task_arn}" ]] || die "run-task started no task and reported no failure"
task_id="${task_arn##*/}"
log "started task ${task_arn}"

# ---------------------------------------------------------------------------------------------
# 5. Wait for it to stop
# ---------------------------------------------------------------------------------------------

describe_query="tasks[0].[lastStatus, containers[?name=='${CONTAINER_NAME}'].exitCode | [0], stopCode, containers[?name=='${CONTAINER_NAME}'].reason | [0], stoppedReason]"
started_at=${SECONDS}
last_status="" last_report=-1
exit_code="None" stop_code="None" container_reason="None" stopped_reason="None"
while true; do
    elapsed=$(( SECONDS - started_at ))
    if status_line="$(aws ecs describe-tasks --region "${region}" \
        --cluster "${cluster}" --tasks "${task_arn}" \
        --query "${describe_query}" --output text)"; then
        IFS=$'\t' read -r status exit_code stop_code container_reason stopped_reason <<<"${status_line}"
        status="${status:-None}"
        if [[ "${status}" == "STOPPED" ]]; then
            task_stopped=1
            log "task ${task_id} STOPPED after ${elapsed}s"
            break
        fi
        if [[ "${status}" != "${last_status}" ]] || (( elapsed - last_report >= 60 )); then
            log "task ${task_id} is ${status} (${elapsed}s elapsed, timeout ${timeout_seconds}s)"
            last_status="${status}" last_report=${elapsed}
        fi
    else
        log "describe-tasks failed; retrying (${elapsed}s elapsed)"
    fi

    if (( elapsed >= timeout_seconds )); then
        err "test task ${task_id} did not finish within ${timeout_seconds}s; stopping it"
        if aws ecs stop-task --region "${region}" --cluster "${cluster}" --task "${task_arn}" \
            --reason "Slipway integration test timed out after ${timeout_seconds}s" \
            --query 'task.lastStatus' --output text >/dev/null; then
            task_stopped=1
        fi
        print_logs
        die "integration test timed out after ${timeout_seconds}s"
    fi
    interruptible_sleep "${poll_seconds}"
done

# ---------------------------------------------------------------------------------------------
# 6. Logs and result
# ---------------------------------------------------------------------------------------------

print_logs

if [[ ! "${exit_code:-}" =~ ^-?[0-9]+$ ]]; then
    err "container ${CONTAINER_NAME} has no exit code; stop code: ${stop_code:-None}; stopped reason: ${stopped_reason:-None}; container reason: ${container_reason:-None}"
    die "integration test task did not run to completion"
fi
if (( exit_code != 0 )); then
    [[ "${stopped_reason:-None}" != "None" ]] && log "stopped reason: ${stopped_reason}"
    die "integration tests failed: container ${CONTAINER_NAME} exited with code ${exit_code}"
fi
log "integration tests passed (container ${CONTAINER_NAME} exited with code 0)"
