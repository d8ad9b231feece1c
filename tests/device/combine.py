"""Prints one table from ModelDsl's `name value` lines and torch_anchors.py's JSON lines (same card, same call)."""
import json, sys

modeldsl = {}
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) == 2:
        try: modeldsl[parts[0]] = float(parts[1])
        except ValueError: pass
torch = [json.loads(l) for l in open(sys.argv[2]) if l.startswith("{")]

def anchor(**match):
    for r in torch:
        if all(r.get(k) == v for k, v in match.items()): return r.get("ms_per_step")
    return None

rows = [
    ("one-hot 57 -> LSTM 128 -> Dense, seq 60, batch 128", anchor(bench="lstm_train", tf32=False, hidden=128, batch=128), modeldsl.get("gpu.charlstm.b128.ms_per_step"), 1.1),
    ("same, batch 128, forward step fused only", None, modeldsl.get("gpu.charlstm.b128.fwdfused.ms_per_step"), None),
    ("same, batch 128, product and cell as two launches", None, modeldsl.get("gpu.charlstm.b128.unfused.ms_per_step"), None),
    ("same, batch 1024", anchor(bench="lstm_train", tf32=False, hidden=128, batch=1024), modeldsl.get("gpu.charlstm.b1024.ms_per_step"), 1.75),
    ("same, batch 1024, forward step fused only", None, modeldsl.get("gpu.charlstm.b1024.fwdfused.ms_per_step"), None),
    ("same, batch 1024, product and cell as two launches", None, modeldsl.get("gpu.charlstm.b1024.unfused.ms_per_step"), None),
    ("LSTM 512 x2, seq 100, batch 64, every-step loss", anchor(bench="lstm_train", tf32=False, hidden=512, batch=64), modeldsl.get("gpu.lstm512x2.b64.ms_per_step"), 5.7),
    ("same, batch 512", anchor(bench="lstm_train", tf32=False, hidden=512, batch=512), modeldsl.get("gpu.lstm512x2.b512.ms_per_step"), None),
    ("seed Transformer decoder, batch 256", anchor(bench="transformer_decoder_train"), modeldsl.get("gpu.transformer.b256.ms_per_step"), 25.7),
]
fmt = lambda v: "-" if v is None else f"{v:.2f}"
print(f"| workload | PyTorch/cuDNN ms | ModelDsl ms | target ms | PyTorch / ModelDsl |")
print("|---|---|---|---|---|")
for name, torch_ms, ours, target in rows:
    ratio = f"{torch_ms / ours:.2f}x" if torch_ms and ours else "-"
    print(f"| {name} | {fmt(torch_ms)} | {fmt(ours)} | {fmt(target)} | {ratio} |")
print(f"agreement (GPU vs CPU at real sizes): {'ok' if modeldsl.get('gpu.agreement') == 1 else 'FAILED or missing'}")
for r in torch:
    if r.get("bench") == "nietzsche_quality":
        print(f"anchor quality epoch {r['epoch']}: val_loss {r['val_loss']}")
