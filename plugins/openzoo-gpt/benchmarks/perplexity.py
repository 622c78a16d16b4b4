"""Validation perplexity of the ``small`` preset after a fixed CPU budget vs. a smoothed bigram model.

Both models see exactly the same tokens: the ``small`` model's tokenizer (byte-level
BPE trained on the training plays) encodes the ``shakespeare`` dataset's blocks as the
model's ``collate`` does, and both are scored on the same validation positions. The
bigram baselines are fitted on the training tokens:

- add-k: ``(c(v, w) + k) / (c(v) + k V)`` with ``k`` chosen on the validation split
  from a small grid (which flatters the baseline);
- interpolated Kneser-Ney (discount 0.75), its continuation distribution mixed with a
  uniform one so no token gets zero probability.

The transformer trains with the preset's recipe (its learning rate, batch size, warm-up ratio and
weight decay; AdamW with betas 0.9/0.95, gradient clipping at 1.0) for ``--budget`` seconds of
wall-clock time: linear warm-up, then linear decay to zero at the end of the budget. Reports
per-token perplexity and bits per character (tokenizer-independent) side by side::

    python plugins/openzoo-gpt/benchmarks/perplexity.py --budget 600 --threads 2   # issue 21's measure
    python plugins/openzoo-gpt/benchmarks/perplexity.py --budget 150 -o n_embd=192 -o n_head=6 --lr 3e-3

After the table it prints a sample: 200 new tokens from ``--prompt``, drawn at temperature 0.8
with top-k 40 and the run's seed (``--prompt ''`` prints none).
"""

from __future__ import annotations

import argparse
import math
import time
from collections import Counter

LN2 = math.log(2)


def _batches(model, examples, size):
    for start in range(0, len(examples), size):
        yield model.collate(examples[start : start + size])


def _pairs(batch):
    """(previous, next) token pairs of the scored positions of a batch, as Python lists."""
    ids, labels = batch["input_ids"], batch["labels"]
    scored = labels[:, 1:] != -100
    return ids[:, :-1][scored].tolist(), labels[:, 1:][scored].tolist()


def _bigram_nll(train_pairs, eval_pairs, vocab):
    """Return {name: total nll in nats} of add-k (best k) and Kneser-Ney bigrams on ``eval_pairs``."""
    counts = Counter(zip(*train_pairs))
    context = Counter(train_pairs[0])
    followers = Counter(v for v, _ in counts)  # N1+(v .)
    continuation = Counter(w for _, w in counts)  # N1+(. w)
    types = len(counts)
    results = {}
    for k in (0.001, 0.01, 0.05, 0.1, 0.5, 1.0):
        nll = -sum(math.log((counts.get((v, w), 0) + k) / (context.get(v, 0) + k * vocab)) for v, w in zip(*eval_pairs))
        if "add-k" not in results or nll < results["add-k"][0]:
            results["add-k"] = (nll, k)
    discount = 0.75
    nll = 0.0
    for v, w in zip(*eval_pairs):
        p_cont = 0.9 * continuation.get(w, 0) / types + 0.1 / vocab
        c_v = context.get(v, 0)
        if c_v == 0:
            nll -= math.log(p_cont)
            continue
        p = max(counts.get((v, w), 0) - discount, 0) / c_v + discount * followers[v] / c_v * p_cont
        nll -= math.log(p)
    results["kneser-ney"] = (nll, discount)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=180.0, help="training seconds")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest on a small shared CPU)")
    parser.add_argument("--batch-size", type=int, help="blocks per step (default: the preset's)")
    parser.add_argument("--lr", type=float, help="peak learning rate (default: the preset's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "-o",
        "--option",
        action="append",
        default=[],
        metavar="KEY=INT",
        help="override an architecture option of the small preset (e.g. -o n_embd=128 -o n_head=4)",
    )
    parser.add_argument("--prompt", default="ROMEO:\n", help="prompt of the sample printed at the end ('' for none)")
    args = parser.parse_args()
    overrides = {}
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep or not value.lstrip("-").isdigit():
            parser.error(f"-o expects KEY=INTEGER, got {item!r}")
        overrides[key] = int(value)
    from openzoo import BadInputError
    from openzoo_gpt.configuration import parse_architecture
    from openzoo_gpt.plugin import openzoo_models

    preset = openzoo_models()[0].preset("small")
    config = {**preset.config, **overrides}
    try:  # an unknown key or a value out of range, before any data is read
        parse_architecture(config)
    except BadInputError as exc:
        parser.error(str(exc))

    import torch

    from openzoo_gpt.loaders import shakespeare
    from openzoo_gpt.model import GPTModel

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    source = shakespeare()
    train, validation = source.load("train"), source.load("validation")
    args.lr = args.lr or preset.training["lr"]
    args.batch_size = args.batch_size or preset.training["batch_size"]
    warmup, weight_decay = preset.training["warmup_ratio"], preset.training["weight_decay"]
    start = time.perf_counter()
    model = GPTModel.create(config=config, dataset=source)  # the config was validated above
    print(f"tokenizer trained in {time.perf_counter() - start:.1f}s: {len(model.tokenizer)} tokens")

    eval_batches = list(_batches(model, validation, 32))
    eval_pairs = ([], [])
    for batch in eval_batches:
        previous, following = _pairs(batch)
        eval_pairs[0].extend(previous)
        eval_pairs[1].extend(following)
    chars = sum(int(b["meta"]["num_chars"].sum()) for b in eval_batches)
    train_pairs = ([], [])
    for batch in _batches(model, train, 256):
        previous, following = _pairs(batch)
        train_pairs[0].extend(previous)
        train_pairs[1].extend(following)
    tokens = len(eval_pairs[0])
    baselines = _bigram_nll(train_pairs, eval_pairs, len(model.tokenizer))

    module = model.module
    optimizer = torch.optim.AdamW(module.parameters(), lr=args.lr, weight_decay=weight_decay, betas=(0.9, 0.95))
    order = torch.randperm(len(train), generator=torch.Generator().manual_seed(args.seed)).tolist()
    module.train()
    step, seen, begin = 0, 0, time.perf_counter()
    while (elapsed := time.perf_counter() - begin) < args.budget:
        fraction = elapsed / args.budget
        for group in optimizer.param_groups:
            group["lr"] = args.lr * (min(1.0, fraction / warmup) if warmup else 1.0) * (1.0 - fraction)
        picked = [train[order[(step * args.batch_size + i) % len(order)]] for i in range(args.batch_size)]
        batch = model.collate(picked)
        loss = module(**{k: v for k, v in batch.items() if k != "meta"})["loss"]
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
        optimizer.step()
        step += 1
        seen += int(batch["attention_mask"].sum())

    module.eval()
    nll = 0.0
    with torch.no_grad():
        for batch in eval_batches:
            logits = module(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])["logits"]
            nll += float(
                torch.nn.functional.cross_entropy(
                    logits[:, :-1].reshape(-1, logits.shape[-1]), batch["labels"][:, 1:].reshape(-1), reduction="sum"
                )
            )

    params = sum(p.numel() for p in module.parameters())
    print(
        f"shakespeare validation ({', '.join(source.info['held_out']['validation'])}): "
        f"{tokens} scored tokens, {chars} characters"
    )
    print(
        f"small preset{''.join(' -o ' + item for item in args.option)}, lr {args.lr:g}: {params / 1e6:.2f}M parameters, {step} steps x {args.batch_size} blocks "
        f"({seen / 1e3:.0f}k tokens) in {args.budget:.0f}s on {args.threads} CPU thread(s)"
    )
    print(f"  {'model':<30} {'perplexity':>10} {'bits/char':>10}")
    rows = [(f"gpt small ({args.budget:.0f}s)", nll)]
    rows += [(f"bigram add-k (k={baselines['add-k'][1]})", baselines["add-k"][0])]
    rows += [(f"bigram Kneser-Ney (d={baselines['kneser-ney'][1]})", baselines["kneser-ney"][0])]
    for name, total in rows:
        print(f"  {name:<30} {math.exp(total / tokens):10.2f} {total / LN2 / chars:10.3f}")
    best = min(baselines["add-k"][0], baselines["kneser-ney"][0])
    print(f"  ratio gpt/best bigram: perplexity {math.exp((nll - best) / tokens):.3f}, bits/char {nll / best:.3f}")
    if args.prompt:
        options = {"max_new_tokens": 200, "do_sample": True, "temperature": 0.8, "top_k": 40, "seed": args.seed}
        record = model.predict([args.prompt], **options)[0]
        print(f"sample (temperature 0.8, top-k 40, seed {args.seed}):")
        print(args.prompt + record["text"])


if __name__ == "__main__":
    main()
