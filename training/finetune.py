#!/usr/bin/env python3
"""Fine-tune a local tiny Qwen2-architecture model folder (models/tiny-tool-qwen by default) from a
tinyllm-config training config and a JSONL dataset, and export an ONNX model folder the
@tinyllm/providers transformers provider loads. The local backend of @tinyllm/trainer runs it.

  SFT  line: {"messages": [...], "tools": [...]?}            loss on assistant turns only; an assistant
                                                             message with "train": false is context only
                                                             (axolotl's per-message flag, there read with
                                                             message_field_training: train)
  DPO  line: {"messages": [...], "chosen": msg|str, "rejected": msg|str, "tools": [...]?}

LoRA when training.use_lora is true (adapters on training.lora_target_modules, default q_proj and
v_proj as PEFT does for Qwen2), merged into the weights before export. Checkpoints every
--save-every optimizer steps in --work-dir; --resume continues from the newest one. SIGTERM saves
a checkpoint and exits 130, so a cancelled job can resume.

Events go to stdout as JSON lines ({"event": "progress" | "log" | "checkpoint" | "done" | "error"
| "cancelled", ...}); the TypeScript backend parses them. Torch is pinned to --threads (default 1).

Reuses the repo's model code (qwen2_model.py), tokenizer (tinytok.py), chat template mirror
(tooldata.render_chat), the weight recovery of onnx_to_ckpt.py (run as a subprocess) and the ONNX
export of train_tiny_tool_model.py (qwen2_model.export_onnx).
Usage: /usr/bin/python3 training/finetune.py --config c.json --dataset d.jsonl --out dir --work-dir w
"""
import argparse
import hashlib
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def emit(event, **fields):
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


def fail(code, message):
    emit("error", code=code, message=message)
    sys.exit(2)


p = argparse.ArgumentParser()
p.add_argument("--config", required=True, help="tinyllm-config JSON file")
p.add_argument("--dataset", required=True, help="JSONL training data")
p.add_argument("--out", required=True, help="folder for the exported model")
p.add_argument("--work-dir", required=True, help="folder for checkpoints")
p.add_argument("--base-dir", help="local model folder; default: the config's model.name")
p.add_argument("--from-scratch", action="store_true", help="random weights with the base folder's architecture")
p.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --work-dir")
p.add_argument("--max-steps", type=int, default=0, help="stop after this many optimizer steps (0: epochs decide)")
p.add_argument("--save-every", type=int, default=10)
p.add_argument("--threads", type=int, default=1)
a = p.parse_args()

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as error:  # the TypeScript side checks first; this is for direct use
    fail("PYTHON_DEPENDENCY_MISSING", f"PyTorch is not importable ({error}); install python3-torch.")

torch.set_num_threads(a.threads)
import tooldata as td  # noqa: E402
from qwen2_model import Qwen2ForCausalLM, export_onnx  # noqa: E402
from tinytok import ByteBPE, SPECIAL_TOKENS, NONSPECIAL_ADDED  # noqa: E402

config = json.load(open(a.config, encoding="utf-8"))
training = config["training"]
method = training["method"]
if method not in ("sft", "dpo"):
    fail("METHOD_UNSUPPORTED", f'training.method "{method}" is not supported by the local backend (sft, dpo); use the command backend.')
base_dir = a.base_dir or config["model"]["name"]
if not os.path.isfile(os.path.join(base_dir, "config.json")) or not os.path.isfile(os.path.join(base_dir, "tokenizer.json")):
    fail("BASE_MODEL_NOT_LOCAL", f'model.name "{base_dir}" is not a local model folder with config.json and tokenizer.json.')
if config["model"].get("load_in_4bit"):
    fail("QUANTIZATION_UNSUPPORTED", "model.load_in_4bit (QLoRA) needs CUDA bitsandbytes; the local CPU backend trains plain LoRA. Set it to false or use the command backend.")

seed = int(config.get("seed", 42))
random.seed(seed)
torch.manual_seed(seed)
os.makedirs(a.work_dir, exist_ok=True)

# ---------------------------------------------------------------- model and tokenizer
cfg_json = json.load(open(os.path.join(base_dir, "config.json")))
keys = ["vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
        "intermediate_size", "max_position_embeddings", "rms_norm_eps", "rope_theta", "tie_word_embeddings"]
cfg = {k: cfg_json[k] for k in keys}
tok = ByteBPE.from_hf_json(json.load(open(os.path.join(base_dir, "tokenizer.json"), encoding="utf-8")))
pad_id = cfg_json.get("pad_token_id", 0)
model = Qwen2ForCausalLM(cfg)
if not a.from_scratch:
    base_ckpt = os.path.join(a.work_dir, "base.pt")
    if not os.path.exists(base_ckpt):
        emit("log", message=f"recovering the weights of {base_dir}/onnx/model.onnx")
        run = subprocess.run([sys.executable, os.path.join(HERE, "onnx_to_ckpt.py"), "--model-dir", base_dir, "--out", base_ckpt],
                             capture_output=True, text=True)
        if run.returncode != 0:
            fail("BASE_MODEL_UNREADABLE", f"could not recover weights from {base_dir}: {(run.stderr or run.stdout).strip()[-400:]}")
    model.load_state_dict(torch.load(base_ckpt))

# ---------------------------------------------------------------- LoRA


class LoraLinear(nn.Module):
    """y = W x + b + (alpha / r) * B A dropout(x); A random, B zero, so training starts at the base model."""

    def __init__(self, base, r, alpha, dropout):
        super().__init__()
        self.base = base
        self.r, self.scaling = r, alpha / r
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))  # PEFT's initialisation
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return self.base(x) + (self.dropout(x) @ self.lora_A.t() @ self.lora_B.t()) * self.scaling

    def merged(self):
        with torch.no_grad():
            self.base.weight += (self.lora_B @ self.lora_A) * self.scaling
        return self.base


ALL_LINEAR = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
use_lora = bool(training.get("use_lora"))
lora_info = None
if use_lora:
    targets = training.get("lora_target_modules") or ["q_proj", "v_proj"]
    targets = ALL_LINEAR if targets == "all-linear" else targets
    unknown = [t for t in targets if t not in ALL_LINEAR]
    if unknown:
        fail("LORA_TARGET_UNKNOWN", f"training.lora_target_modules {unknown} are not modules of this model ({', '.join(ALL_LINEAR)}).")
    r = int(training["lora_r"])
    alpha = float(training.get("lora_alpha", 8))
    for p_ in model.parameters():
        p_.requires_grad_(False)
    for layer in model.model.layers:
        for owner in (layer.self_attn, layer.mlp):
            for name in targets:
                if hasattr(owner, name):
                    setattr(owner, name, LoraLinear(getattr(owner, name), r, alpha, float(training.get("lora_dropout", 0))))
    lora_info = {"r": r, "alpha": alpha, "dropout": float(training.get("lora_dropout", 0)), "targetModules": list(targets)}
trainable = [p_ for p_ in model.parameters() if p_.requires_grad]
n_trainable = sum(p_.numel() for p_ in trainable)
n_total = sum(p_.numel() for n_, p_ in model.named_parameters() if "lora_" not in n_ and n_ != "lm_head.weight")

# ---------------------------------------------------------------- data
max_length = int(training.get("max_length", 2048))


def assistant_text(message):
    if isinstance(message, str):
        return {"role": "assistant", "content": message}
    return message


def normalise(messages):
    """OpenAI messages as the template mirror wants them: tool-call arguments as objects (the
    wire format sends them as JSON strings)."""
    out = []
    for i, m in enumerate(messages):
        if "train" in m and not isinstance(m["train"], bool):
            raise ValueError(f"messages.{i}.train must be true or false")
        if m.get("tool_calls"):
            calls = []
            for tc in m["tool_calls"]:
                f = dict(tc.get("function", tc))
                if isinstance(f.get("arguments"), str):
                    f["arguments"] = json.loads(f["arguments"])
                calls.append({"type": "function", "function": f})
            m = {**m, "tool_calls": calls}
        out.append(m)
    return out


def segments(messages, tools):
    """(text, is_target) pieces: everything rendered by the chat template, assistant turns as
    targets (their content and <|im_end|>, not the newline after it), like the original training."""
    out, done = [], ""
    for i, m in enumerate(messages):
        if m.get("role") != "assistant":
            continue
        prefix = td.render_chat(messages[:i], tools, add_generation_prompt=True)
        full = td.render_chat(messages[:i + 1], tools)
        if not prefix.startswith(done) or not full.startswith(prefix):
            raise ValueError("the chat template did not render this conversation incrementally")
        out.append((prefix[len(done):], False))
        target = full[len(prefix):]
        out.append((target.rstrip("\n"), m.get("train", True) is not False))
        out.append((target[len(target.rstrip("\n")):], False))
        done = full
    return [(t, y) for t, y in out if t]


def encode(segs):
    ids, mask = [], []
    for text, is_target in segs:
        t = tok.encode(text)
        ids += t
        mask += [is_target] * len(t)
    return ids[:max_length], mask[:max_length]


def load_dataset(path):
    rows, sha = [], hashlib.sha256()
    with open(path, "rb") as f:
        raw = f.read()
    sha.update(raw)
    for number, line in enumerate(raw.decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            messages = normalise(row["messages"])
            tools = row.get("tools")
            if method == "sft":
                ids, mask = encode(segments(messages, tools))
                if not any(mask):
                    raise ValueError("no assistant message to learn from")
                rows.append((ids, mask))
            else:
                prompt = td.render_chat(messages, tools, add_generation_prompt=True)
                pair = []
                for key in ("chosen", "rejected"):
                    full = td.render_chat(messages + normalise([assistant_text(row[key])]), tools)
                    target = full[len(prompt):].rstrip("\n")
                    pair.append(encode([(prompt, False), (target, True)]))
                rows.append(tuple(pair))
        except (KeyError, TypeError, ValueError, json.JSONDecodeError) as error:
            fail("DATASET_INVALID", f"{path}:{number}: {type(error).__name__}: {error}")
    return rows, sha.hexdigest()


rows, dataset_hash = load_dataset(a.dataset)
data_cfg = config.get("data", {})
if data_cfg.get("max_samples"):
    rows = rows[: int(data_cfg["max_samples"])]
split = float(data_cfg.get("train_split", 1))
rng = random.Random(seed)
order = list(range(len(rows)))
rng.shuffle(order)
n_train = max(1, min(len(rows), round(len(rows) * split))) if split < 1 else len(rows)
train_rows = [rows[i] for i in order[:n_train]]
eval_rows = [rows[i] for i in order[n_train:]]
if not train_rows:
    fail("DATASET_INVALID", f"{a.dataset} has no training lines.")

batch_size = int(training["batch_size"])
accumulation = int(training.get("gradient_accumulation_steps", 1))
epochs = float(training["num_epochs"])
batches_per_epoch = math.ceil(len(train_rows) / batch_size)
steps_per_epoch = max(1, batches_per_epoch // accumulation)
total_steps = math.ceil(steps_per_epoch * epochs)
if a.max_steps > 0:
    total_steps = min(total_steps, a.max_steps)

# ---------------------------------------------------------------- batches and loss


def collate(items):
    T = max(len(ids) for ids, _ in items)
    ids = torch.full((len(items), T), pad_id, dtype=torch.long)
    target = torch.zeros((len(items), T), dtype=torch.bool)
    keep = torch.zeros((len(items), T), dtype=torch.bool)
    for b, (i_, m_) in enumerate(items):
        ids[b, :len(i_)] = torch.tensor(i_)
        target[b, :len(m_)] = torch.tensor(m_)
        keep[b, :len(i_)] = True
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    mask = causal[None, None] & keep[:, None, None, :]
    return ids, target, mask, torch.arange(T)[None].expand(len(items), T)


def token_logprobs(net, items):
    ids, target, mask, pos = collate(items)
    logits, _ = net(ids, pos, mask)
    logp = torch.log_softmax(logits[:, :-1].float(), dim=-1).gather(-1, ids[:, 1:, None])[..., 0]
    return logp, target[:, 1:]


def sft_loss(net, items):
    logp, target = token_logprobs(net, items)
    return -(logp * target).sum() / target.sum().clamp(min=1)


beta = float(training.get("beta", 0.1))
reference = {}


def sequence_logprob(net, items):
    logp, target = token_logprobs(net, items)
    return (logp * target).sum(-1)


def dpo_loss(net, items, keys):
    chosen = sequence_logprob(net, [c for c, _ in items])
    rejected = sequence_logprob(net, [r_ for _, r_ in items])
    ref_c = torch.tensor([reference[k][0] for k in keys])
    ref_r = torch.tensor([reference[k][1] for k in keys])
    margin = beta * ((chosen - ref_c) - (rejected - ref_r))
    loss_type = training.get("loss_type", "sigmoid")
    if loss_type == "hinge":
        return torch.relu(1 - margin).mean()
    if loss_type == "ipo":
        return ((margin / beta - 1 / (2 * beta)) ** 2).mean()
    return -F.logsigmoid(margin).mean()


if method == "dpo":
    if training.get("loss_type", "sigmoid") not in ("sigmoid", "hinge", "ipo"):
        fail("LOSS_UNSUPPORTED", f'training.loss_type "{training["loss_type"]}" is not implemented locally (sigmoid, hinge, ipo).')
    # The reference policy is the model before training; its log-probabilities never change, so
    # they are computed once (TRL's precompute_ref_log_probs).
    model.eval()
    with torch.no_grad():
        for k, (c, r_) in enumerate(train_rows):
            reference[k] = (float(sequence_logprob(model, [c])[0]), float(sequence_logprob(model, [r_])[0]))

# ---------------------------------------------------------------- optimizer, schedule, checkpoints
optimizer = torch.optim.AdamW(trainable, lr=float(training["learning_rate"]),
                              betas=(float(training.get("adam_beta1", 0.9)), float(training.get("adam_beta2", 0.999))),
                              eps=float(training.get("adam_epsilon", 1e-8)), weight_decay=float(training.get("weight_decay", 0)))
peak_lr = float(training["learning_rate"])
warmup = int(training.get("warmup_steps", 0))
schedule = training.get("lr_scheduler_type", "linear")
if schedule not in ("linear", "cosine", "constant", "constant_with_warmup"):
    emit("log", message=f'lr_scheduler_type "{schedule}" is not implemented locally; using "linear".')
    schedule = "linear"


def lr_at(step):  # the Hugging Face schedules (transformers/optimization.py), step counted from 1
    if step <= warmup and warmup > 0:
        return peak_lr * step / warmup
    if schedule in ("constant", "constant_with_warmup"):
        return peak_lr
    progress = (step - warmup) / max(1, total_steps - warmup)
    if schedule == "cosine":
        return peak_lr * 0.5 * (1 + math.cos(math.pi * progress))
    return peak_lr * max(0.0, 1 - progress)


def checkpoints():
    found = []
    for name in os.listdir(a.work_dir):
        if name.startswith("checkpoint-") and name.endswith(".pt"):
            found.append((int(name[len("checkpoint-"):-3]), os.path.join(a.work_dir, name)))
    return sorted(found)


def save_checkpoint(step, losses):
    path = os.path.join(a.work_dir, f"checkpoint-{step}.pt")
    torch.save({"step": step, "trainable": [t.detach().clone() for t in trainable], "optimizer": optimizer.state_dict(),
                "losses": losses, "torch_rng": torch.get_rng_state(), "dataset_hash": dataset_hash}, path + ".tmp")
    os.replace(path + ".tmp", path)  # a checkpoint is complete or absent
    for old_step, old in checkpoints()[:-2]:
        os.remove(old)
    emit("checkpoint", step=step, path=path)


start_step, losses = 0, []
if a.resume and checkpoints():
    step_, path = checkpoints()[-1]
    state = torch.load(path)
    if state["dataset_hash"] != dataset_hash:
        fail("RESUME_MISMATCH", f"{path} was written for another dataset (sha256 {state['dataset_hash'][:12]}…).")
    with torch.no_grad():
        for t, saved in zip(trainable, state["trainable"]):
            t.copy_(saved)
    optimizer.load_state_dict(state["optimizer"])
    torch.set_rng_state(state["torch_rng"])
    start_step, losses = state["step"], state["losses"]
    emit("log", message=f"resumed from {path} at step {start_step}")

cancelled = False


def on_term(signum, frame):
    global cancelled
    cancelled = True


signal.signal(signal.SIGTERM, on_term)
signal.signal(signal.SIGINT, on_term)

# ---------------------------------------------------------------- training loop
emit("start", total_steps=total_steps, start_step=start_step, train_samples=len(train_rows), eval_samples=len(eval_rows),
     trainable_parameters=n_trainable, total_parameters=n_total, method=method, lora=lora_info)


def batches_for(step):
    """The micro-batches of an optimizer step; the epoch's order comes from (seed, epoch), so a
    resumed run sees the same batches as an uninterrupted one."""
    index = (step - 1) % steps_per_epoch
    epoch = (step - 1) // steps_per_epoch
    perm = list(range(len(train_rows)))
    random.Random(seed * 1000 + epoch).shuffle(perm)
    out = []
    for micro in range(accumulation):
        start = (index * accumulation + micro) * batch_size
        keys = perm[start:start + batch_size]
        if keys:
            out.append(keys)
    return out, epoch + (index + 1) / steps_per_epoch


model.train()
t0 = time.time()
max_grad_norm = float(training.get("max_grad_norm", 1.0))
for step in range(start_step + 1, total_steps + 1):
    lr = lr_at(step)
    for group in optimizer.param_groups:
        group["lr"] = lr
    micro_batches, epoch = batches_for(step)
    total = 0.0
    for keys in micro_batches:
        items = [train_rows[k] for k in keys]
        loss = sft_loss(model, items) if method == "sft" else dpo_loss(model, items, keys)
        (loss / len(micro_batches)).backward()
        total += float(loss) / len(micro_batches)
    if max_grad_norm > 0:
        torch.nn.utils.clip_grad_norm_(trainable, max_grad_norm)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    losses.append(round(total, 5))
    elapsed = time.time() - t0
    done_here = step - start_step
    emit("progress", step=step, total=total_steps, loss=round(total, 5), lr=lr, epoch=round(epoch, 4),
         eta_seconds=round(elapsed / done_here * (total_steps - step), 1))
    if cancelled:
        save_checkpoint(step, losses)
        emit("cancelled", step=step)
        sys.exit(130)
    if step % a.save_every == 0 and step < total_steps:
        save_checkpoint(step, losses)
train_seconds = round(time.time() - t0, 1)

# ---------------------------------------------------------------- eval loss, merge, export
model.eval()
eval_loss = None
if eval_rows:
    with torch.no_grad():
        if method == "sft":
            eval_loss = sum(float(sft_loss(model, [r_])) for r_ in eval_rows) / len(eval_rows)
        else:
            eval_loss = sum(float(-F.logsigmoid(beta * (sequence_logprob(model, [c]) - sequence_logprob(model, [r_])))[0])
                            for c, r_ in eval_rows) / len(eval_rows)
if use_lora:
    for layer in model.model.layers:
        for owner in (layer.self_attn, layer.mlp):
            for name in ALL_LINEAR:
                module = getattr(owner, name, None)
                if isinstance(module, LoraLinear):
                    setattr(owner, name, module.merged())
emit("log", message="exporting ONNX")
tmp_out = a.out.rstrip("/") + ".partial"
shutil.rmtree(tmp_out, ignore_errors=True)
os.makedirs(os.path.join(tmp_out, "onnx"))
for name in ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "tools.json"):
    if os.path.exists(os.path.join(base_dir, name)):
        shutil.copy(os.path.join(base_dir, name), os.path.join(tmp_out, name))

onnx_path = os.path.join(tmp_out, "onnx", "model.onnx")
export_onnx(model, onnx_path)

# reference.json: the base's tokenizer and template vectors (unchanged) and new logits, so that
# onnx_to_ckpt.py can recover this model's weights and it can be fine-tuned again.
ref_path = os.path.join(base_dir, "reference.json")
if os.path.exists(ref_path):
    ref = json.load(open(ref_path, encoding="utf-8"))
    ids = ref["chat_template_tests"][ref["logits_test"]["prompt_index"]]["input_ids"]
    with torch.no_grad():
        n_ = len(ids)
        lg, _ = model(torch.tensor([ids]), torch.arange(n_)[None], torch.tril(torch.ones(n_, n_, dtype=torch.bool))[None, None])
    ref["description"] = "Reference vectors: tokenizer and template from the base model, logits from training/finetune.py."
    ref["logits_test"] = {"prompt_index": ref["logits_test"]["prompt_index"],
                          "last_position_logits_first8": [round(float(x), 4) for x in lg[0, -1, :8]],
                          "greedy_next_token_id": int(lg[0, -1].argmax())}
    ref.pop("greedy_generation_test", None)
    with open(os.path.join(tmp_out, "reference.json"), "w", encoding="utf-8") as f:
        json.dump(ref, f, ensure_ascii=False, indent=2)

summary = {
    "base_model": os.path.abspath(base_dir), "from_scratch": a.from_scratch, "method": method,
    "architecture": cfg_json.get("architectures", ["Qwen2ForCausalLM"])[0], "quantization": "fp32",
    "dataset": {"path": os.path.abspath(a.dataset), "sha256": dataset_hash, "train_samples": len(train_rows), "eval_samples": len(eval_rows)},
    "lora": lora_info, "steps": total_steps, "train_seconds": train_seconds,
    "final_loss": losses[-1] if losses else None, "eval_loss": eval_loss, "losses": losses,
    "trainable_parameters": n_trainable, "total_parameters": n_total,
    "software": {"torch": torch.__version__, "python": sys.version.split()[0], "onnx_opset": 17, "threads": a.threads},
}
with open(os.path.join(tmp_out, "training.json"), "w", encoding="utf-8") as f:
    json.dump({"name": os.path.basename(a.out.rstrip("/")), "trainer": "training/finetune.py", "config": config, **summary}, f, indent=2)
    f.write("\n")
shutil.rmtree(a.out, ignore_errors=True)
os.replace(tmp_out, a.out)  # the model folder appears complete or not at all
emit("done", out=os.path.abspath(a.out), **{k: v for k, v in summary.items() if k != "losses"})
