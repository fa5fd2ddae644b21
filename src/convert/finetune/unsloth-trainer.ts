// The program the Unsloth steps run with the venv's Python: `train` fine-tunes a LoRA adapter and
// saves it with the tokenizer to /aikit-trained-model; `export` merges it into the base model and
// writes a quantized GGUF to /aikit-out/model. Its one input is the JSON plan mounted at
// /aikit-config/config.json (the spec after defaults), so a change to any setting changes the
// step's cache key and nothing else does. Training progress (loss per logging step) goes to
// stdout, which buildx shows as the step runs.

/** Where the program and its plan are mounted. */
export const TRAINER_DIR = '/aikit-bin';
export const TRAINER_SCRIPT = `${TRAINER_DIR}/trainer.py`;
export const CONFIG_DIR = '/aikit-config';
export const TRAINED_DIR = '/aikit-trained-model';
export const EXPORT_DIR = '/aikit-out/model';

export const TRAINER_PROGRAM = String.raw`import json, sys

PHASE = sys.argv[1]
CFG = json.load(open("/aikit-config/config.json"))
U = CFG["config"]["unsloth"]
ALPACA = ("Below is an instruction that describes a task, paired with an input that provides further context. "
          "Write a response that appropriately completes the request.\n\n"
          "### Instruction:\n{}\n\n### Input:\n{}\n\n### Response:\n{}")
SHAREGPT_ROLES = {"system": "system", "human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant"}


def load(d):
    from datasets import load_dataset
    loader = d.get("loader") or {}
    kind = loader.get("type") or ("json" if d["source"].startswith(("http://", "https://")) else "huggingface")
    split = loader.get("split", "train")
    if kind == "huggingface":
        return load_dataset(d["source"], loader.get("subset"), split=split, revision=loader.get("revision"))
    if loader.get("checksum"):
        import hashlib, urllib.request, os
        path = os.path.join(os.environ.get("HF_DATASETS_CACHE", "/tmp"), loader["checksum"].replace(":", "-"))
        if not os.path.exists(path):
            urllib.request.urlretrieve(d["source"], path + ".part")
            os.rename(path + ".part", path)
        got = "sha256:" + hashlib.sha256(open(path, "rb").read()).hexdigest()
        if got != loader["checksum"]:
            os.remove(path)
            sys.exit("aikit: %s has %s, not %s" % (d["source"], got, loader["checksum"]))
        return load_dataset(kind, data_files={split: path}, split=split)
    return load_dataset(kind, data_files={split: d["source"]}, split=split)


def texts(ds, kind, tokenizer):
    eos = tokenizer.eos_token or ""

    def chat(msgs):
        return tokenizer.apply_chat_template(msgs, tokenize=False, add_generation_prompt=False)

    def one(r):
        if kind == "alpaca":
            return ALPACA.format(r["instruction"], r.get("input") or "", r["output"]) + eos
        if kind == "text":
            return r["text"]
        if kind == "messages":
            return chat([{"role": m["role"], "content": m["content"]} for m in r["messages"]])
        if kind == "sharegpt":
            return chat([{"role": SHAREGPT_ROLES[t["from"]], "content": t["value"]} for t in r["conversations"]])
        raise SystemExit("aikit: dataset type %s is not trained as text" % kind)

    return ds.map(lambda r: {"text": one(r)}, remove_columns=ds.column_names)


def train():
    from unsloth import FastLanguageModel
    from datasets import concatenate_datasets
    from trl import SFTConfig, SFTTrainer, DPOConfig, DPOTrainer
    model, tokenizer = FastLanguageModel.from_pretrained(
        CFG["baseModel"], max_seq_length=U["maxSeqLength"], load_in_4bit=U["loadIn4bit"])
    model = FastLanguageModel.get_peft_model(
        model, r=16, lora_alpha=16, lora_dropout=0, bias="none", use_gradient_checkpointing="unsloth",
        random_state=U["seed"],
        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    common = dict(per_device_train_batch_size=U["batchSize"], gradient_accumulation_steps=U["gradientAccumulationSteps"],
                  warmup_steps=U["warmupSteps"], max_steps=U["maxSteps"], learning_rate=U["learningRate"],
                  logging_steps=U["loggingSteps"], optim=U["optimizer"], weight_decay=U["weightDecay"],
                  lr_scheduler_type=U["lrSchedulerType"], seed=U["seed"], output_dir="/tmp/aikit-run", report_to="none")
    objective = CFG["objective"]
    if objective["type"] == "dpo":
        ds = load(CFG["datasets"][0]).select_columns(["prompt", "chosen", "rejected"])
        args = DPOConfig(beta=objective["beta"], loss_type=objective["lossType"], max_length=U["maxSeqLength"],
                         max_prompt_length=objective["maxPromptLength"], **common)
        trainer = DPOTrainer(model=model, ref_model=None, args=args, train_dataset=ds, processing_class=tokenizer)
    else:
        parts = []
        for d in CFG["datasets"]:
            ds = load(d)
            if d["type"] == "prompt-completion":
                parts.append(ds.select_columns(["prompt", "completion"]))
            else:
                parts.append(texts(ds, d["type"], tokenizer))
        ds = parts[0] if len(parts) == 1 else concatenate_datasets(parts)
        args = SFTConfig(max_length=U["maxSeqLength"], packing=U["packing"], dataset_text_field="text", **common)
        trainer = SFTTrainer(model=model, processing_class=tokenizer, train_dataset=ds, args=args)
        if U["loss"] == "response":
            from unsloth.chat_templates import train_on_responses_only
            trainer = train_on_responses_only(trainer)
    trainer.train()
    model.save_pretrained("/aikit-trained-model")
    tokenizer.save_pretrained("/aikit-trained-model")


def export():
    from unsloth import FastLanguageModel
    model, tokenizer = FastLanguageModel.from_pretrained(
        "/aikit-trained-model", max_seq_length=U["maxSeqLength"], load_in_4bit=U["loadIn4bit"])
    model.save_pretrained_gguf("/aikit-out/model", tokenizer, quantization_method=CFG["output"]["quantize"])


{"train": train, "export": export}[PHASE]()
`;
