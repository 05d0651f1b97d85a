#!/usr/bin/env bash
# Synthesis benchmark, one command from a fresh clone:
#   bench/run.sh                  build the CLI (Release) once, then measure every scenario
#   BENCH_RUNS=5 bench/run.sh     runs per scenario (default 3; the table shows the median)
#   bench/run.sh --only ID,...    only some scenarios (ids listed in bench/bench.js)
#   bench/run.sh --hostile        time and peak memory of rejecting hostile manifests (bench/hostile.js)
# Manifests, assemblies and the scenarios' cache go to bench/out/ (ignored by git); the table is
# printed and bench/out/results.json keeps the figures. See docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if [ ! -x /usr/bin/time ]; then
  echo "installing GNU time (Debian package time) for peak-memory figures" >&2
  if [ "$(id -u)" -eq 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time) >/dev/null
  else
    sudo sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time' >/dev/null
  fi
fi

mkdir -p bench/out
echo "building src/Slipway.Cli (Release)" >&2
dotnet build src/Slipway.Cli -c Release -warnaserror -nologo -v q >bench/out/build.log 2>&1 || { tail -n 30 bench/out/build.log; exit 1; }

if [ "${1:-}" = "--hostile" ]; then
  shift
  exec node bench/hostile.js "$@"
fi
node bench/bench.js "$@"
