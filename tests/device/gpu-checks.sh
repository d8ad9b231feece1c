#!/usr/bin/env bash
# One call on the lent GPU machine: GPU-vs-CPU agreement at real sizes, ModelDsl GPU timings, then the PyTorch anchors.
#
# Here (packs .NET and the benchmark app into .device/):
#   DEVICE_FILES="../shared/data/nietzsche.txt ../shared/anchors/torch_anchors.py" \
#     ../shared/tools/pack-dotnet-for-device.sh tests/ModelDsl.Benchmarks/ModelDsl.Benchmarks.csproj
# Then with the device tool: carry [".device"], command "bash tests/device/gpu-checks.sh", timeout ~500 s.
set -uo pipefail
source .device/env.sh
export MODELDSL_DATA_DIR=.device/files
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
echo "== ModelDsl (ILGPU) =="
dotnet .device/app/ModelDsl.Benchmarks.dll gpu 50
echo "== ModelDsl (CPU on the device machine, for reference) =="
dotnet .device/app/ModelDsl.Benchmarks.dll charlstm 20
echo "== PyTorch anchors (same card) =="
python3 .device/files/torch_anchors.py 0
