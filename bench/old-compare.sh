#!/bin/sh
# The shell comparison this project replaces (CONTEXT.md, "The AMI test flow
# today", step 4), kept as it was so the benchmark times the real thing:
#
#     old-compare.sh AMI ENDPOINT_URL        (region: AWS_DEFAULT_REGION)
#
# Its faults are deliberate here (an empty fleet or a failed AWS call passes,
# the glob is unquoted, a mismatch prints nothing); bin/bench runs it in an
# empty directory so the glob cannot expand.
AMI="$1"
ENDPOINT="$2"
for id in $(aws --endpoint-url "$ENDPOINT" ec2 describe-instances --filters Name=tag:Name,Values=ci-concourse-* Name=instance-state-name,Values=running | jq -r '.Reservations[].Instances[].ImageId'); do
  [ "$id" = "$AMI" ] || exit 1
done
