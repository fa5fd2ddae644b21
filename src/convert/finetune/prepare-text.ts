// The program that turns dataset records into llama-finetune's training text, run inside the
// build by the training image's python3.
//
// Why Python in the training image: llama-finetune reads one plain text file, so every record
// type must become text somewhere, and chat records must go through the model's chat template,
// a Jinja template stored in the GGUF. llama.cpp's full image carries python3 with jinja2 (for its
// conversion scripts), so the step needs no second image, reads datasets of any size inside the
// build (the frontend never holds them), and runs the same for `aikit convert` graphs and
// frontend builds. The frontend's own node is not in that image, and reading datasets in the
// frontend would put every dataset through the gateway. Only the standard library is required:
// without jinja2, or when the GGUF has no template, chat records use ChatML, llama.cpp's own
// fallback template.

/** Where the program is written in the preparation step. */
export const PREPARE_SCRIPT = '/aikit/prepare.py';

/**
 * The program. argv[1]: a JSON plan `{model, out, datasets: [{path, type, loader, split, label}]}`.
 * Records are separated by a blank line; the summary goes to stderr, so the build log shows it.
 */
export const PREPARE_PROGRAM = String.raw`import csv, json, struct, sys

ALPACA = ("Below is an instruction that describes a task{ctx}. "
          "Write a response that appropriately completes the request.\n\n"
          "### Instruction:\n{instruction}\n\n{input}### Response:\n{output}")
SHAREGPT_ROLES = {"system": "system", "human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant"}


def fail(label, n, why):
    sys.stderr.write("aikit: %s, record %d: %s\n" % (label, n, why))
    sys.exit(1)


def chat_template(path):
    sizes = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
    with open(path, "rb") as f:
        if f.read(4) != b"GGUF":
            return None
        f.read(4)
        _, n_kv = struct.unpack("<QQ", f.read(16))

        def string():
            (n,) = struct.unpack("<Q", f.read(8))
            return f.read(n).decode("utf-8", "replace")

        def skip(t):
            if t == 8:
                string()
            elif t == 9:
                (at,) = struct.unpack("<I", f.read(4))
                (n,) = struct.unpack("<Q", f.read(8))
                if at in sizes:
                    f.seek(sizes[at] * n, 1)
                else:
                    for _ in range(n):
                        skip(at)
            else:
                f.seek(sizes[t], 1)

        for _ in range(n_kv):
            key = string()
            (t,) = struct.unpack("<I", f.read(4))
            if key == "tokenizer.chat_template" and t == 8:
                return string()
            skip(t)
    return None


def renderer(template):
    if template:
        try:
            from jinja2.sandbox import ImmutableSandboxedEnvironment
            env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)

            def raise_exception(msg):
                raise ValueError(msg)

            env.globals["raise_exception"] = raise_exception
            compiled = env.from_string(template)
            return "the model's chat template", lambda msgs: compiled.render(
                messages=msgs, add_generation_prompt=False, bos_token="", eos_token="")
        except ImportError:
            pass
    return "ChatML", lambda msgs: "".join(
        "<|im_start|>%s\n%s<|im_end|>\n" % (m["role"], m["content"]) for m in msgs)


def records(d):
    loader = d["loader"]
    with open(d["path"], encoding="utf-8") as f:
        if loader == "text":
            for line in f:
                line = line.rstrip("\r\n")
                if line:
                    yield {"text": line}
        elif loader == "csv":
            yield from csv.DictReader(f)
        else:
            body = f.read()
            try:
                data = json.loads(body)
            except ValueError:
                data = [json.loads(line) for line in body.splitlines() if line.strip()]
            if isinstance(data, dict):
                data = data.get(d["split"], data.get("data", [data]))
            yield from data


def need(r, key, label, n):
    v = r.get(key) if isinstance(r, dict) else None
    if not isinstance(v, str):
        fail(label, n, "%s must be a string" % key)
    return v


def text_of(r, kind, render, label, n):
    if kind == "text":
        return need(r, "text", label, n)
    if kind == "prompt-completion":
        return need(r, "prompt", label, n) + need(r, "completion", label, n)
    if kind == "alpaca":
        inp = r.get("input") or ""
        return ALPACA.format(ctx=", paired with an input that provides further context" if inp else "",
                             instruction=need(r, "instruction", label, n),
                             input="### Input:\n%s\n\n" % inp if inp else "",
                             output=need(r, "output", label, n))
    if kind == "messages":
        turns = r.get("messages") if isinstance(r, dict) else None
        msgs = [{"role": need(t, "role", label, n), "content": need(t, "content", label, n)} for t in turns or []]
    else:
        turns = r.get("conversations") if isinstance(r, dict) else None
        msgs = []
        for t in turns or []:
            role = SHAREGPT_ROLES.get(need(t, "from", label, n))
            if role is None:
                fail(label, n, "unknown role %r" % t["from"])
            msgs.append({"role": role, "content": need(t, "value", label, n)})
    if not msgs:
        fail(label, n, "the conversation is empty")
    return render(msgs)


def main():
    plan = json.loads(sys.argv[1])
    how, render = renderer(chat_template(plan["model"]))
    total = 0
    with open(plan["out"], "w", encoding="utf-8") as out:
        for d in plan["datasets"]:
            n = 0
            for n, r in enumerate(records(d), 1):
                out.write(text_of(r, d["type"], render, d["label"], n).rstrip("\n") + "\n\n")
            if n == 0:
                fail(d["label"], 0, "the dataset has no records")
            sys.stderr.write("aikit: %s: %d %s records\n" % (d["label"], n, d["type"]))
            total += n
        size = out.tell()
    sys.stderr.write("aikit: %d records, %d bytes of training text (chat records through %s)\n" % (total, size, how))


main()
`;
