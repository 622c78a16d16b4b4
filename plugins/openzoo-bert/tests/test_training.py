"""A short run learns: the tiny preset beats chance on held-out generated sentences."""

from __future__ import annotations

import torch


def accuracy(model, examples) -> float:
    records = model.predict([example["text"] for example in examples])
    labels = model.labels
    return sum(record["label"] == labels[example["label"]] for record, example in zip(records, examples)) / len(
        examples
    )


def test_a_short_run_beats_chance_on_held_out_sentences(tester, trained_model):
    test_split = tester.make_source().load("test")
    assert accuracy(trained_model, test_split) >= 0.85  # chance is 0.5 on this balanced split


def test_training_steps_lower_the_loss_on_a_batch(tester):
    model = tester.build()
    batch = model.collate(tester.examples())
    optimizer = torch.optim.AdamW(model.module.parameters(), lr=3e-3)
    model.module.train()
    torch.manual_seed(0)
    first = float(model.module(**batch)["loss"].detach())
    for _ in range(20):
        loss = model.module(**batch)["loss"]
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    model.module.eval()
    with torch.no_grad():
        assert float(model.module(**batch)["loss"]) < first - 0.15


def test_backward_reaches_the_encoder_and_the_head(tester):
    model = tester.build()
    model.module(**model.collate(tester.examples()))["loss"].backward()
    for name in (
        "bert.embeddings.word_embeddings.weight",
        "bert.encoder.layer.1.output.dense.weight",
        "bert.pooler.dense.weight",
        "classifier.weight",
    ):
        gradient = model.module.get_parameter(name).grad
        assert gradient is not None and gradient.abs().sum() > 0, name
