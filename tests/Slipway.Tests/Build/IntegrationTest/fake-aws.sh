#!/usr/bin/env bash
# Fake AWS CLI used by run-tests.sh (linked as "aws" first on PATH).
#
# Appends every invocation to $FAKE_AWS_LOG as one line:
#   <arguments joined by spaces> [key=<AWS_ACCESS_KEY_ID> region=<AWS_REGION>]
# and answers with the text output integration-test.sh expects from its --query expressions.
#
#   FAKE_AWS_SCENARIO      pass | fail | timeout | stuck | runfail | nocode   (default pass)
#   FAKE_AWS_STATE         directory for call counters (required)
#   FAKE_AWS_LOG           invocation log (required)
#   FAKE_AWS_NOLOGS=1      get-log-events fails with ResourceNotFoundException
#   FAKE_AWS_STOP_FAILS=1  stop-task fails
#   FAKE_AWS_MISSING_PARAM=<suffix>  ssm get-parameters omits <path>/<suffix>

set -euo pipefail

: "${FAKE_AWS_LOG:?FAKE_AWS_LOG is required}"
: "${FAKE_AWS_STATE:?FAKE_AWS_STATE is required}"
scenario="${FAKE_AWS_SCENARIO:-pass}"

printf '%s [key=%s region=%s]\n' "$*" "${AWS_ACCESS_KEY_ID:-}" "${AWS_REGION:-}" >>"${FAKE_AWS_LOG}"

readonly TASK_ARN="arn:aws:ecs:eu-west-1:222222222222:task/orders-cluster/0123456789abcdef"
readonly TASK_DEFINITION_ARN="arn:aws:ecs:eu-west-1:222222222222:task-definition/orders:42"

# Value of option $1 among the remaining arguments (empty when absent).
option() {
    local name=$1
    shift
    while (( $# > 0 )); do
        if [[ "$1" == "${name}" ]]; then
            printf '%s' "${2:-}"
            return 0
        fi
        shift
    done
}

# Increments and prints the counter named $1.
count() {
    local file="${FAKE_AWS_STATE}/$1" n=0
    mkdir -p "${FAKE_AWS_STATE}"
    [[ -f "${file}" ]] && n=$(<"${file}")
    n=$(( n + 1 ))
    printf '%s' "${n}" >"${file}"
    printf '%s' "${n}"
}

case "${1:-} ${2:-}" in
    "sts assume-role")
        printf 'ASIAFAKEKEY\tfake-secret\tfake-session-token\n'
        ;;

    "ssm get-parameters")
        # Answers every name after --names (up to the next option), in reverse order to prove
        # the script maps values by name, not by position.
        shift 2
        names=()
        while (( $# > 0 )) && [[ "$1" != "--names" ]]; do shift; done
        (( $# > 0 )) && shift
        while (( $# > 0 )) && [[ "$1" != --* ]]; do names=("$1" "${names[@]+"${names[@]}"}"); shift; done
        for name in "${names[@]}"; do
            suffix="${name##*/}"
            [[ "${suffix}" == "${FAKE_AWS_MISSING_PARAM:-}" ]] && continue
            case "${suffix}" in
                cluster) value="orders-cluster" ;;
                service) value="orders-service" ;;
                subnets) value="subnet-aaa, subnet-bbb" ;;
                security-group) value="sg-123" ;;
                service-url) value="http://internal-orders.example:8080" ;;
                *) continue ;;
            esac
            printf '%s\t%s\n' "${name}" "${value}"
        done
        ;;

    "ecs describe-services")
        printf '%s\n' "${TASK_DEFINITION_ARN}"
        ;;

    "ecs run-task")
        if [[ "${scenario}" == "runfail" ]]; then
            printf 'None\nRESOURCE:ENI\tNo ENI capacity in subnet-aaa\tNone\n'
        else
            printf '%s\n' "${TASK_ARN}"
        fi
        ;;

    "ecs describe-tasks")
        n="$(count describe-tasks)"
        running=$'RUNNING\tNone\tNone\tNone\tNone'
        case "${scenario}" in
            pass | fail)
                code=0
                [[ "${scenario}" == "fail" ]] && code=1
                if (( n == 1 )); then
                    printf 'PROVISIONING\tNone\tNone\tNone\tNone\n'
                elif (( n == 2 )); then
                    printf '%s\n' "${running}"
                else
                    printf 'STOPPED\t%s\tEssentialContainerExited\tNone\tEssential container in task exited\n' "${code}"
                fi
                ;;
            nocode)
                printf 'STOPPED\tNone\tTaskFailedToStart\tCannotPullContainerError: pull access denied\tCannotPullContainerError: pull image manifest has been retried 5 time(s)\n'
                ;;
            *)
                printf '%s\n' "${running}"
                ;;
        esac
        ;;

    "ecs stop-task")
        if [[ "${FAKE_AWS_STOP_FAILS:-}" == "1" ]]; then
            echo "An error occurred (AccessDeniedException) when calling the StopTask operation: denied" >&2
            exit 254
        fi
        printf 'RUNNING\n'
        ;;

    "logs get-log-events")
        if [[ "${FAKE_AWS_NOLOGS:-}" == "1" ]]; then
            echo "An error occurred (ResourceNotFoundException) when calling the GetLogEvents operation: The specified log stream does not exist." >&2
            exit 254
        fi
        token="$(option --next-token "$@")"
        case "${token}" in
            "")
                printf 'f/page2\n'
                printf 'integration: starting against http://internal-orders.example:8080\n'
                if [[ "${scenario}" == "fail" ]]; then
                    printf 'FAIL orders api: expected 200, got 500\n'
                else
                    printf 'PASS orders api\n'
                fi
                ;;
            f/page2)
                printf 'f/page3\nintegration-log-page-2\n'
                ;;
            *)
                # End of the stream: the same token and no events.
                printf '%s\n' "${token}"
                ;;
        esac
        ;;

    *)
        echo "fake aws: unexpected call: $*" >&2
        exit 255
        ;;
esac
