"""A stand-in for aikit's Unsloth trainer, for running the `--target unsloth` graph without a GPU.

Installed into the steps' venv by the graph's own `pip install --require-hashes` (as the wheel
aikit-unsloth-standin) and run in place of the trainer through AIKIT_UNSLOTH_TRAINER, with the
phase (train or export) as its argument. It does what the real trainer does around the GPU work:
reads the mounted plan, fetches every dataset the plan names (checking its checksum), and writes
the output the next step or the result copy expects. What it writes is a JSON report of what it
read, so that a test can tell that each input reached it; the "GGUF" it exports is that report.
"""

import hashlib
import json
import os
import sys
import urllib.request

CONFIG = "/aikit-config/config.json"
TRAINER = "/aikit-bin/trainer.py"
TRAINED = "/aikit-trained-model"
EXPORT = "/aikit-out/model"
CACHES = {
    "train": ["/root/.cache/huggingface", "/tmp/aikit-datasets-cache", "/root/.cache/torch", "/root/.triton"],
    "export": ["/root/.cache/huggingface", "/tmp/aikit-datasets-cache", "/root/.cache/torch", "/root/.triton",
               "/root/.unsloth"],
}


def mount_points():
    # Field 5 of /proc/self/mountinfo is the mount point: a cache mount is one of them.
    with open("/proc/self/mountinfo") as f:
        return {line.split()[4] for line in f}


def records(body, kind):
    text = body.decode("utf-8")
    if kind == "csv":
        lines = [l for l in text.splitlines() if l.strip()]
        return max(len(lines) - 1, 0)
    if kind == "json" and text.lstrip().startswith("["):
        return len(json.loads(text))
    if kind == "json":
        return sum(1 for l in text.splitlines() if l.strip() and json.loads(l) is not None)
    return sum(1 for l in text.splitlines() if l.strip())


def dataset(d):
    loader = d.get("loader") or {}
    source = d["source"]
    if not source.startswith(("http://", "https://")):
        # Hub datasets need the Hub: the stand-in names them and reads nothing.
        return {"source": source, "type": d["type"], "fetched": False}
    body = urllib.request.urlopen(source, timeout=60).read()
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    if loader.get("checksum") and loader["checksum"] != digest:
        sys.exit("aikit-unsloth-standin: %s has %s, not %s" % (source, digest, loader["checksum"]))
    kind = loader.get("type") or "json"
    print("aikit-unsloth-standin: read %s (%d bytes, %d records)" % (source, len(body), records(body, kind)))
    return {"source": source, "type": d["type"], "fetched": True, "bytes": len(body), "sha256": digest,
            "records": records(body, kind)}


def report(phase):
    raw = open(CONFIG, "rb").read()
    cfg = json.loads(raw)
    mounted = mount_points()
    return {
        "standin": "aikit-unsloth-standin",
        "phase": phase,
        "configSha256": "sha256:" + hashlib.sha256(raw).hexdigest(),
        "baseModel": cfg["baseModel"],
        "objective": cfg["objective"],
        "maxSteps": cfg["config"]["unsloth"]["maxSteps"],
        "output": cfg["output"],
        "trainerBytes": os.path.getsize(TRAINER),
        "caches": {p: p in mounted for p in CACHES[phase]},
    }


def train():
    out = report("train")
    out["datasets"] = [dataset(d) for d in json.load(open(CONFIG))["datasets"]]
    os.makedirs(TRAINED, exist_ok=True)
    with open(os.path.join(TRAINED, "adapter_config.json"), "w") as f:
        json.dump({"peft_type": "LORA", "base_model_name_or_path": out["baseModel"], "r": 16}, f)
    with open(os.path.join(TRAINED, "aikit-standin.json"), "w") as f:
        json.dump(out, f, indent=2)
    print("aikit-unsloth-standin: trained nothing (no GPU); wrote %s" % TRAINED)


def export():
    out = report("export")
    out["trained"] = json.load(open(os.path.join(TRAINED, "aikit-standin.json")))
    os.makedirs(EXPORT, exist_ok=True)
    path = os.path.join(EXPORT, "standin-%s.gguf" % out["output"].get("quantize", "q4_k_m"))
    with open(path, "w") as f:
        json.dump(out, f, indent=2)
    print("aikit-unsloth-standin: exported the report to %s" % path)


def main():
    phase = sys.argv[1] if len(sys.argv) > 1 else ""
    if phase not in ("train", "export"):
        sys.exit("usage: aikit-unsloth-standin train|export")
    print("aikit-unsloth-standin: %s with the plan %s" % (phase, CONFIG))
    {"train": train, "export": export}[phase]()


if __name__ == "__main__":
    main()
