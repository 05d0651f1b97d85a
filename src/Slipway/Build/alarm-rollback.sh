#!/usr/bin/env bash
# Slipway alarm-rollback switch: lets one pipeline execution deploy while the rollback alarms fire.
#
# Runs in a CodeBuild project in the pipeline's tooling account, in every deploy stage: first
# (SWITCH_MODE=apply) with the execution's pipeline variable ROLLBACK_ON_ALARMS, and again after
# the deployment (SWITCH_MODE=restore). It sets the deployment group's AlarmConfiguration.enabled:
# false for an execution started with ROLLBACK_ON_ALARMS=false (CodeDeploy then neither stops nor
# rolls back the deployment on the alarms; a failed deployment still rolls back), true otherwise.
# Every execution's first step sets it from that execution's own variable, so a hotfix whose
# deployment failed before the restore step is undone by the next ordinary execution.
#
# Why the group: CreateDeployment's overrideAlarmConfiguration would do this for one deployment
# (https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeployment.html), but the
# CodePipeline CodeDeployToECS action creates the deployment and passes no such option
# (https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-ECSbluegreen.html).
# The alarm list is read from the group and written back unchanged: only `enabled` changes.
#
# Environment contract:
#   SWITCH_MODE           required: apply | restore
#   ROLLBACK_ON_ALARMS    apply only: true | false (the pipeline variable of this execution)
#   TARGET_ROLE_ARN       required (may be empty): role in the environment's account to assume
#   TARGET_REGION         required: the environment's region
#   APPLICATION_NAME      required: the CodeDeploy application
#   DEPLOYMENT_GROUP      required: the CodeDeploy deployment group
#   ENVIRONMENT_NAME      required: the environment, for messages
#   TOPIC_ARN             optional: the pipeline's notification topic (tooling account)
#   PIPELINE_NAME, PIPELINE_EXECUTION_ID  optional: named in the notification
#
# Exit codes: 0 done; 1 an AWS call failed; 2 invalid or missing configuration.

set -euo pipefail

log() { printf '[alarm-rollback] %s\n' "$*"; }
die() { printf '[alarm-rollback] ERROR: %s\n' "$1" >&2; exit "${2:-1}"; }

for v in TARGET_REGION APPLICATION_NAME DEPLOYMENT_GROUP ENVIRONMENT_NAME; do
  [ -n "${!v:-}" ] || die "$v is not set." 2
done

case "${SWITCH_MODE:-}" in
  apply)
    case "${ROLLBACK_ON_ALARMS:-}" in
      true) enabled=true ;;
      false) enabled=false ;;
      *) die "pipeline variable ROLLBACK_ON_ALARMS is '${ROLLBACK_ON_ALARMS:-}': start the execution with true (the default) or false (deploy this execution without alarm-based rollback)." 2 ;;
    esac
    ;;
  restore) enabled=true ;;
  *) die "SWITCH_MODE is '${SWITCH_MODE:-}': apply or restore." 2 ;;
esac

# The deployment group's calls run with the environment's role; the notification is published
# with the project's own credentials (the topic is in the tooling account).
switch() (
  if [ -n "${TARGET_ROLE_ARN:-}" ]; then
    local creds
    creds=$(aws sts assume-role --role-arn "$TARGET_ROLE_ARN" --role-session-name "slipway-alarms-${CODEBUILD_BUILD_NUMBER:-0}" \
      --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text) || die "could not assume $TARGET_ROLE_ARN."
    read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN <<<"$creds"
    export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
  fi
  local names
  names=$(aws deploy get-deployment-group --region "$TARGET_REGION" --application-name "$APPLICATION_NAME" \
    --deployment-group-name "$DEPLOYMENT_GROUP" --query 'deploymentGroupInfo.alarmConfiguration.alarms[].name' --output text) \
    || die "could not read deployment group $DEPLOYMENT_GROUP."
  if [ -z "$names" ] || [ "$names" = "None" ]; then
    die "deployment group $DEPLOYMENT_GROUP has no rollback alarms: nothing to switch."
  fi
  local alarms="" name
  for name in $names; do alarms+="${alarms:+,}{\"name\":\"$name\"}"; done
  aws deploy update-deployment-group --region "$TARGET_REGION" --application-name "$APPLICATION_NAME" \
    --current-deployment-group-name "$DEPLOYMENT_GROUP" \
    --alarm-configuration "{\"enabled\":$enabled,\"ignorePollAlarmFailure\":false,\"alarms\":[$alarms]}" >/dev/null \
    || die "could not update deployment group $DEPLOYMENT_GROUP."
  printf '%s' "$names"
)

alarm_names=$(switch)
if [ "$enabled" = true ]; then
  log "$ENVIRONMENT_NAME: alarm-based rollback is on (alarms: $alarm_names)."
  exit 0
fi

log "$ENVIRONMENT_NAME: alarm-based rollback is OFF for this execution (ROLLBACK_ON_ALARMS=false; alarms ignored: $alarm_names)."
if [ -n "${TOPIC_ARN:-}" ]; then
  link=""
  if [ -n "${PIPELINE_NAME:-}" ] && [ -n "${PIPELINE_EXECUTION_ID:-}" ]; then
    region=$(printf '%s' "$TOPIC_ARN" | cut -d: -f4)
    link=" Timeline: https://$region.console.aws.amazon.com/codesuite/codepipeline/pipelines/$PIPELINE_NAME/executions/$PIPELINE_EXECUTION_ID/timeline?region=$region"
  fi
  message="CodePipeline ${PIPELINE_NAME:-}: execution ${PIPELINE_EXECUTION_ID:-} deploys to $ENVIRONMENT_NAME WITHOUT alarm-based rollback (pipeline variable ROLLBACK_ON_ALARMS=false): CodeDeploy ignores $alarm_names for this deployment; a failed deployment still rolls back. Alarm rollback is switched on again after the deployment and by the next execution.$link"
  aws sns publish --topic-arn "$TOPIC_ARN" --subject "HOTFIX: $ENVIRONMENT_NAME deploys without alarm rollback" --message "$message" >/dev/null \
    || die "could not publish the notification to $TOPIC_ARN."
fi
