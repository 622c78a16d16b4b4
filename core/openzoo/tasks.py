"""The four tasks that core defines, and their names as constants.

A task is the agreement between datasets, models and metrics: which fields an
example has, which keys a model's outputs and batches carry, what ``predict``
takes and returns, and which metrics apply. Plugins may add tasks through the
``openzoo_tasks`` hook; these four ship with core.
"""

from __future__ import annotations

from openzoo.specs import TaskSpec

__all__ = [
    "CORE_TASKS",
    "IMAGE_CLASSIFICATION",
    "RECOMMENDATION",
    "TEXT_CLASSIFICATION",
    "TEXT_GENERATION",
]

#: Name of the text generation task.
TEXT_GENERATION = "text-generation"
#: Name of the text classification task.
TEXT_CLASSIFICATION = "text-classification"
#: Name of the image classification task.
IMAGE_CLASSIFICATION = "image-classification"
#: Name of the recommendation task.
RECOMMENDATION = "recommendation"

_CLASSIFICATION_OUTPUTS = {"logits": "float tensor [batch, num_classes]: unnormalised class scores"}
_CLASSIFICATION_TARGETS = {"labels": "long tensor [batch]: class index into info['labels']"}

#: The four tasks core defines, registered by the builtin plugin through ``openzoo_tasks``.
CORE_TASKS: tuple[TaskSpec, ...] = (
    TaskSpec(
        name=TEXT_GENERATION,
        description=(
            "Causal language modelling: predict each next token of a text, then continue a prompt. "
            "Evaluated by perplexity per token and bits per character."
        ),
        example={"text": "str: a block of running text (the dataset chunks documents to the context length)"},
        outputs={"logits": "float tensor [batch, seq, vocab]: next-token scores at every position"},
        targets={
            "labels": "long tensor [batch, seq]: token ids; position t+1 is predicted from position t "
            "(the Hugging Face causal LM convention), -100 is ignored",
            "meta.num_chars": "optional long tensor [batch] in batch['meta']: characters of text behind the tokens, for bits per character",
        },
        predict_input="str: a prompt",
        predict_output="{'prompt': str, 'text': str (the continuation), 'tokens': int (tokens generated)}",
        default_metrics=("perplexity",),
        selection_metric="perplexity",
        toy_dataset="toy-text",
    ),
    TaskSpec(
        name=TEXT_CLASSIFICATION,
        description="Assign one label from a fixed set to a text (sentiment, topic, intent).",
        example={
            "text": "str: the text to classify",
            "label": "int: class index into info['labels'] (absent for unlabelled input)",
        },
        outputs=_CLASSIFICATION_OUTPUTS,
        targets=_CLASSIFICATION_TARGETS,
        predict_input="str: a text",
        predict_output="{'label': str, 'score': float, 'scores': {label: probability}}",
        default_metrics=("accuracy", "f1_macro"),
        selection_metric="accuracy",
        toy_dataset="toy-sentiment",
    ),
    TaskSpec(
        name=IMAGE_CLASSIFICATION,
        description="Assign one label from a fixed set to an image.",
        example={
            "image": "PIL.Image.Image (any mode; models convert it) or a uint8 array [H, W] or [H, W, C]",
            "label": "int: class index into info['labels'] (absent for unlabelled input)",
        },
        outputs=_CLASSIFICATION_OUTPUTS,
        targets=_CLASSIFICATION_TARGETS,
        predict_input="an image: a file path (str), a PIL.Image.Image or a uint8 array",
        predict_output="{'label': str, 'score': float, 'top_k': [{'label': str, 'score': float}, ...]}",
        default_metrics=("accuracy", "f1_macro"),
        selection_metric="accuracy",
        toy_dataset="toy-images",
    ),
    TaskSpec(
        name=RECOMMENDATION,
        description=(
            "Predict how a user rates an item (explicit feedback) and rank the items a user has not "
            "seen yet (implicit feedback). Ranking metrics rank over all unseen items, not a sample."
        ),
        example={
            "user": "str: user id as in the source data",
            "item": "str: item id as in the source data",
            "rating": "float: the rating (explicit feedback) or 1.0 (an interaction, implicit feedback)",
        },
        outputs={
            "scores": "float tensor [batch]: predicted rating or score of each (user, item) pair",
            "ranking_scores": "optional float tensor [batch, num_items]: the user's score for every item, "
            "items seen in training set to -inf (returned in evaluation, for ranking metrics)",
        },
        targets={
            "ratings": "float tensor [batch]: the true rating",
            "items": "long tensor [batch]: index of the held-out item (the one ranking metrics look for)",
        },
        predict_input="str: a user id",
        predict_output="{'user': str, 'items': [{'item': str, 'score': float}, ...]} (unseen items, best first)",
        default_metrics=("rmse", "mae", "hr", "ndcg"),
        selection_metric="rmse",
        toy_dataset="toy-ratings",
    ),
)
