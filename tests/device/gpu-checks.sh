#!/usr/bin/env bash
# The GPU issue's one prepared script. Two halves, because the device machine has no .NET:
#
#   here:   bash tests/device/gpu-checks.sh pack
#           (packs .NET, the benchmark app, the corpus and the PyTorch anchors into .device/)
#           bash tests/device/gpu-checks.sh dry
#           (runs the packed app from .device/ as the device would, on ILGPU's CPU emulator at tiny sizes, and the table
#           script: checks the pack and this harness before device time is spent on them; about five minutes, the
#           emulator being ~1,500× slower than the CPU backend)
#   device: run tool, carry [".device"], command "bash tests/device/gpu-checks.sh", timeout ~540 s
#
# On the device it runs, in one call: ModelDsl's GPU-vs-CPU agreement at real sizes and its GPU timings (ILGPU,
# fp32, TF32 off), the PyTorch/cuDNN anchors on the same card (torch_anchors.py 0: throughput only), and prints one
# table of both with the issue's targets. Set QUALITY_EPOCHS=N to add the anchors' N-epoch Nietzsche quality run.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" = "pack" ]; then
  cd "$here/../.."
  DEVICE_FILES="../shared/data/nietzsche.txt ../shared/anchors/torch_anchors.py tests/device/combine.py" \
    ../shared/tools/pack-dotnet-for-device.sh tests/ModelDsl.Benchmarks/ModelDsl.Benchmarks.csproj
  exit $?
fi
source .device/env.sh
export MODELDSL_DATA_DIR=.device/files
out=$(mktemp -d)
if [ "${1:-}" = "dry" ]; then
  dotnet .device/app/ModelDsl.Benchmarks.dll gpu-dry | tee "$out/modeldsl.txt" || exit $?
  : > "$out/torch.txt"
  python3 .device/files/combine.py "$out/modeldsl.txt" "$out/torch.txt"
  exit $?
fi
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
echo "== ModelDsl (ILGPU) =="
dotnet .device/app/ModelDsl.Benchmarks.dll gpu 50 | tee "$out/modeldsl.txt"
echo "== PyTorch anchors (same card) =="
python3 .device/files/torch_anchors.py "${QUALITY_EPOCHS:-0}" | tee "$out/torch.txt"
echo "== side by side =="
python3 .device/files/combine.py "$out/modeldsl.txt" "$out/torch.txt"
