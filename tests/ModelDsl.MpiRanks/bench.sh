#!/usr/bin/env bash
# The data-parallel benchmark (docs/distributed.md): the seed step at a global batch on 1 rank x 2 threads, 2 ranks x
# 1 thread and, for the shard overhead alone, 1 rank x 1 thread with and without 2 sequential shards; all in one run.
set -euo pipefail
cd "$(dirname "$0")"
dotnet build -c Release -nologo -v quiet >/dev/null
app=bin/Release/net10.0/ModelDsl.MpiRanks.dll
batch=${BATCH:-128} steps=${STEPS:-30}
for round in 1 2; do
  echo "== round $round"
  MODELDSL_THREADS=2 mpiexec.mpich -n 1 dotnet "$app" bench --batch "$batch" --steps "$steps"
  MODELDSL_THREADS=1 mpiexec.mpich -n 2 dotnet "$app" bench --batch "$batch" --steps "$steps"
  MODELDSL_THREADS=1 dotnet "$app" bench --batch "$batch" --steps "$steps"
  MODELDSL_THREADS=1 dotnet "$app" bench --batch "$batch" --steps "$steps" --shards 2
done
