"""Padding and the attention mask: an example's logits do not depend on its batch."""

from __future__ import annotations

import torch


def test_each_examples_logits_alone_equal_its_logits_inside_a_padded_batch(tester, trained_model):
    examples = tester.examples(with_labels=False)
    module = trained_model.module.eval()
    with torch.no_grad():
        batch = trained_model.collate(examples)
        assert (batch["attention_mask"] == 0).any(), "the batch must contain padding"
        together = module(**batch)["logits"]
        alone = torch.cat([module(**trained_model.collate([example]))["logits"] for example in examples])
    torch.testing.assert_close(together, alone, atol=1e-5, rtol=1e-4)


def test_padding_tokens_are_masked_out_of_the_attention(tester, trained_model):
    example = tester.examples(with_labels=False)[0]
    batch = trained_model.collate([example])
    padded = {key: torch.nn.functional.pad(value, (0, 9), value=0) for key, value in batch.items()}
    padded["input_ids"][0, -9:] = 7  # whatever the padded positions hold must not matter
    with torch.no_grad():
        torch.testing.assert_close(
            trained_model.module(**padded)["logits"], trained_model.module(**batch)["logits"], atol=1e-5, rtol=1e-4
        )


def test_predictions_do_not_depend_on_the_batch_size(tester, trained_model):
    texts = [example["text"] for example in tester.examples()]
    one_by_one = trained_model.predict(texts, batch_size=1)
    all_at_once = trained_model.predict(texts, batch_size=13)
    for a, b in zip(one_by_one, all_at_once):
        assert a["label"] == b["label"]
        assert abs(a["score"] - b["score"]) < 1e-5


def test_records_come_back_in_input_order_though_batches_are_formed_longest_first(trained_model):
    # lengths interleaved so that sorting by length reorders every batch
    texts = ["superb", "the plot was tedious and the acting was dull from start to end", "bad", "a warm, lovely film"]
    texts = texts * 3 + ["the film was superb, warm and lovely, with acting that was never dull for a minute"]
    batched = trained_model.predict(texts, batch_size=4)
    alone = [trained_model.predict([text])[0] for text in texts]
    assert [r["label"] for r in batched] == [r["label"] for r in alone]
    for a, b in zip(batched, alone):
        assert abs(a["score"] - b["score"]) < 1e-5
        assert a["scores"].keys() == b["scores"].keys()
