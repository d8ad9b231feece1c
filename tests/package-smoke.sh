#!/usr/bin/env bash
# Packs ModelDsl into a temporary folder feed, then builds and runs a fresh console app OUTSIDE the repo that references
# the package the way a user would: no project references, no AllowUnsafeBlocks of its own (the package's
# buildTransitive props must set it), the generator coming from analyzers/dotnet/cs. Trains a few steps, prints the loss.
# Not part of `dotnet test` (it takes minutes: pack, restore, two builds). Run by hand: bash tests/package-smoke.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/modeldsl-smoke.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "== pack into $work/feed"
dotnet pack "$repo/src/ModelDsl" -c Release -o "$work/feed" -nologo -v quiet
# A local pack is stamped 0.1.0-dev.<UTC time> (Directory.Build.props): read the version it produced.
nupkg="$(find "$work/feed" -maxdepth 1 -name 'ModelDsl.*.nupkg' ! -name '*.snupkg' | head -n 1)"
test -n "$nupkg"
version="$(basename "$nupkg" .nupkg)"
version="${version#ModelDsl.}"
echo "   ModelDsl $version"
test -f "$work/feed/ModelDsl.$version.snupkg"

echo "== new console app in $work/app"
dotnet new console -o "$work/app" -n SmokeApp --framework net10.0 >/dev/null
cd "$work/app"
# Restore into a private folder so a stale ModelDsl $version never comes from the user's cache; other packages
# (ILGPU, System.Numerics.Tensors) are taken from the global cache when there, else from the default source.
global_packages="$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')"
cat > nuget.config <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <config>
    <add key="globalPackagesFolder" value="$work/packages" />
  </config>
  <fallbackPackageFolders>
    <add key="global" value="$global_packages" />
  </fallbackPackageFolders>
  <packageSources>
    <clear />
    <add key="local" value="$work/feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
CONFIG
if [ -d "$global_packages/modeldsl/$version" ]; then
  echo "error: $global_packages/modeldsl/$version exists and would shadow the fresh package; delete it first." >&2
  exit 1
fi
dotnet add package ModelDsl --version "$version" >/dev/null

cat > Models.cs <<'CS'
using ModelDsl;

namespace SmokeApp;

[Model]
[TokenInput(length: 20)]
[Lstm(32)]
[Dense(Dim.Vocabulary, Activation.Softmax)]
public partial class SmokeLstm;
CS
cat > Program.cs <<'CS'
using ModelDsl;
using ModelDsl.Data;
using ModelDsl.Text;
using ModelDsl.Training;
using SmokeApp;

var text = string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog. ", 40));
var tokenizer = CharTokenizer.FromText(text);
var data = new WindowDataset(tokenizer.Encode(text), 20, 3);
using var model = new SmokeLstm(tokenizer.Size);
var history = model.Fit(data, new FitOptions { Epochs = 1, BatchSize = 32, StepsPerEpoch = 10, Optimizer = new RmsProp(0.01f) });
double loss = history.Epochs[^1].TrainingLoss;
Console.WriteLine($"loss {loss:F4}");
var sample = model.Generate(tokenizer.Encode("the quick "), 30, temperature: 0.5f);
Console.WriteLine("sample: " + tokenizer.Decode(sample));
return double.IsFinite(loss) ? 0 : 1;
CS

if grep -q AllowUnsafeBlocks SmokeApp.csproj; then echo "error: the app must not set AllowUnsafeBlocks itself" >&2; exit 1; fi

echo "== build and run"
dotnet build -c Release -nologo -v quiet
dotnet run -c Release --no-build
echo "== package smoke test passed"
