"""Tiny-slice runs of the fine-tuning benchmarks, and the linear probe's cost."""

import numpy as np
import pytest

from transferkit.benchmarks import BenchmarkTable, get_benchmark
from transferkit.benchmarks.digits_finetune import (
    digits_finetune_benchmark,
    digits_finetune_scores,
    digits_unsupervised_scores,
    draw_per_class,
)


def test_registered():
    assert get_benchmark("digits-finetune") is digits_finetune_benchmark
    from transferkit.benchmarks.text_finetune import text_finetune_benchmark

    assert get_benchmark("text-finetune") is text_finetune_benchmark


def test_draw_per_class():
    labels = np.repeat(np.arange(3), [5, 6, 7])
    idx = draw_per_class(labels, 2, seed=0)
    assert np.array_equal(np.bincount(labels[idx]), [2, 2, 2])
    assert np.array_equal(idx, draw_per_class(labels, 2, seed=0))
    assert not np.array_equal(idx, draw_per_class(labels, 2, seed=1))


def test_digits_transfer_beats_target_only_at_one_label():
    """Contrast shift, k = 1: the pretrained MLP fine-tuned beats target-only."""
    result = digits_finetune_scores(
        shifts=("contrast",),
        shots=(1,),
        repeats=1,
        rows=(
            "target only: MLP from scratch",
            "lp_ft (default)",
            "reused source MLP: lp_ft + LwF",
        ),
        epochs=5,
    )
    scores = {name: v[0] for (_, name, _), v in result["scores"].items()}
    scratch = scores["target only: MLP from scratch"]
    assert scores["lp_ft (default)"] > scratch + 0.2
    assert scores["reused source MLP: lp_ft + LwF"] > scratch + 0.2
    assert set(result["seconds"]) == {
        "target only: MLP from scratch",
        "lp_ft (default)",
        "reused source MLP: lp_ft + LwF",
    }


def test_digits_benchmark_tables():
    tables = digits_finetune_benchmark(
        repeats=1,
        shifts=("pixel",),
        unsupervised_shifts=("contrast",),
        shots=(2,),
        rows=("source only", "auto"),
        epochs=2,
    )
    assert all(isinstance(t, BenchmarkTable) for t in tables)
    supervised, picks, unsupervised = tables
    assert [row[0] for row in supervised.rows] == ["source only", "auto"]
    # k = 2 lets auto cross-validate: it names the strategy it chose
    (chosen,) = picks.rows[0][1]
    assert chosen.split(" × ")[0] in (
        "target_only",
        "target_linear",
        "linear_probe",
        "lp_ft",
        "source",
    )
    assert [row[0] for row in unsupervised.rows][0] == "source only"
    assert "| auto |" in supervised.to_markdown()


def test_digits_target_linear_row_beats_the_mlp_from_scratch():
    """Pixel shift, k = 10: the tuned logistic regression is the stronger
    target-only baseline (what auto's guard must compare against)."""
    result = digits_finetune_scores(
        shifts=("pixel",),
        shots=(10,),
        repeats=1,
        rows=(
            "target only: MLP from scratch",
            "target only: LogisticRegression (C by CV)",
        ),
        epochs=5,
    )
    scores = {name: v[0] for (_, name, _), v in result["scores"].items()}
    linear = scores["target only: LogisticRegression (C by CV)"]
    assert linear > 0.85
    assert linear > scores["target only: MLP from scratch"]


def test_target_logistic_regression_c_choice():
    from transferkit.benchmarks.digits_finetune import TargetLogisticRegression
    from transferkit.datasets import load_digits_shift

    _, _, Xt, yt = load_digits_shift("pixel", random_state=0)
    one = draw_per_class(yt, 1, 0)
    assert TargetLogisticRegression().fit(Xt[one], yt[one]).C_ == 1.0
    ten = draw_per_class(yt, 10, 0)
    model = TargetLogisticRegression().fit(Xt[ten], yt[ten])
    assert model.C_ in (0.01, 0.1, 1.0, 10.0, 100.0)
    assert model.score(Xt, yt) > 0.85


def test_digits_unsupervised_scores_range():
    result = digits_unsupervised_scores(repeats=1, epochs=2)
    assert len(result["scores"]) == 4
    for values in result["scores"].values():
        assert 0.0 <= values[0] <= 1.0
    # the source-only MLP is far above chance on the contrast target
    assert result["scores"]["contrast", "source only"][0] > 0.3


@pytest.mark.realdata
def test_text_few_shot_tiny(data_home):
    """FineTuner's linear probe is the C=1 logistic regression on MiniLM features."""
    from transferkit.benchmarks.text_finetune import few_shot_scores

    result = few_shot_scores(
        data_home=data_home,
        groups=("rec.sport.hockey", "sci.space", "talk.politics.guns"),
        shots=(2,),
        repeats=1,
        pool_per_class=3,
        test_per_class=4,
        finetuner_repeats=1,
        lp_ft_shots=(),
    )
    scores = result["scores"]
    assert result["sizes"] == {"pool": 9, "test": 12}
    assert scores["FineTuner(minilm(), 'linear_probe')", 2] == pytest.approx(
        scores["frozen MiniLM + LR", 2], abs=1 / 12 + 1e-9
    )
    assert scores["frozen MiniLM + LR", 2][0] > 0.5  # chance is 1/3
    assert ("FineTuner(minilm(), 'lp_ft')", 2) not in scores


@pytest.mark.realdata
def test_text_cross_topic_tiny(data_home):
    from transferkit.benchmarks.text_finetune import cross_topic_scores

    result = cross_topic_scores(
        data_home=data_home, pairs=("rec vs talk",), n_source=12, n_target=12, cv=2
    )
    rows = {row for row, _ in result["scores"]}
    assert "frozen MiniLM + CORAL + LR" in rows
    assert result["scores"]["frozen MiniLM + LR, source only", "rec vs talk"] > 0.5


@pytest.mark.realdata
def test_linear_probe_runs_the_body_once_per_image(data_home):
    """Linear probe on hymenoptera: each photo goes through the body once."""
    from pathlib import Path

    from transferkit.parameter import FineTuner, ImageFolder
    from transferkit.parameter.backbones import efficientnet_lite0

    folder = ImageFolder(Path(data_home) / "images" / "hymenoptera" / "train")
    idx = draw_per_class(folder.targets, 2, seed=0)
    paths = [folder.paths[i] for i in idx]
    labels = folder.targets[idx]
    body = efficientnet_lite0()
    seen = []
    body.register_forward_hook(lambda module, args, out: seen.append(out.shape[0]))
    model = FineTuner(
        body, strategy="linear_probe", pretrain=False, copy=False, random_state=0
    )
    model.fit(None, None, Xt=paths, yt=labels)
    assert sum(seen) == len(paths)  # once per photo, not once per epoch
    # refitting on the same photos reads the feature cache: no forward pass
    model.fit(None, None, Xt=paths, yt=labels)
    assert sum(seen) == len(paths)
    model.predict(paths[:2])
    assert sum(seen) == len(paths) + 2
