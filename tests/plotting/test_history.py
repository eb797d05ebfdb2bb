import numpy as np
import pytest
from sklearn.tree import DecisionTreeRegressor

from transferkit.datasets import make_domain_shift
from transferkit.instance import (
    TrAdaBoostClassifier,
    TrAdaBoostRegressor,
    TwoStageTrAdaBoostRegressor,
)
from transferkit.plotting import plot_history


@pytest.fixture(scope="module")
def concept():
    return make_domain_shift("concept", n_source=120, n_target=60, random_state=0)


def test_tradaboost_errors_votes_and_staged_errors(concept):
    Xs, ys, Xt, yt = concept
    model = TrAdaBoostClassifier(n_estimators=6, random_state=0)
    model.fit(Xs, ys, Xt[:20], yt[:20])
    errors, votes = plot_history(model, X=Xt[20:], y=yt[20:])
    rounds = np.arange(1, 7)
    epsilon, staged = errors.lines[0], errors.lines[1]
    np.testing.assert_array_equal(epsilon.get_xdata(), rounds)
    np.testing.assert_array_equal(epsilon.get_ydata(), model.estimator_errors_)
    expected = [np.mean(p != yt[20:]) for p in model.staged_predict(Xt[20:])]
    np.testing.assert_allclose(staged.get_ydata(), expected)
    np.testing.assert_array_equal(votes.lines[0].get_ydata(), model.estimator_weights_)
    start = errors.lines[2]
    assert start.get_xdata()[0] == model.vote_start_ + 1
    labels = [t.get_text() for t in errors.get_legend().get_texts()]
    assert labels[0].startswith("epsilon_t") and "error rate" in labels[1]
    assert votes.get_xlabel() == "boosting round t"


def test_tradaboost_regressor_staged_mse():
    rng = np.random.RandomState(0)
    Xs, Xt = rng.normal(size=(60, 2)), rng.normal(size=(30, 2))
    ys, yt = Xs[:, 0], Xt[:, 0] + 0.5 * Xt[:, 1]
    model = TrAdaBoostRegressor(
        DecisionTreeRegressor(max_depth=2), n_estimators=4, random_state=0
    ).fit(Xs, ys, Xt[:10], yt[:10])
    errors, _ = plot_history(model, X=Xt[10:], y=yt[10:])
    expected = [np.mean((p - yt[10:]) ** 2) for p in model.staged_predict(Xt[10:])]
    np.testing.assert_allclose(errors.lines[1].get_ydata(), expected)


def test_two_stage_steps():
    rng = np.random.RandomState(1)
    Xs, Xt = rng.normal(size=(40, 2)), rng.normal(size=(15, 2))
    ys, yt = Xs[:, 0], Xt[:, 0] - Xt[:, 1]
    model = TwoStageTrAdaBoostRegressor(
        DecisionTreeRegressor(max_depth=2),
        n_steps=3,
        n_estimators=3,
        cv=3,
        random_state=0,
    ).fit(Xs, ys, Xt, yt)
    errors, shares = plot_history(model)
    np.testing.assert_array_equal(errors.lines[0].get_ydata(), model.cv_errors_)
    np.testing.assert_array_equal(shares.lines[0].get_ydata(), model.target_shares_)
    assert errors.lines[1].get_xdata()[0] == model.best_step_ + 1
    with pytest.raises(ValueError, match="takes no X, y"):
        plot_history(model, X=Xt, y=yt)


class _History:
    """A fine-tuner's history_: a linear probe record, then two phases."""

    history_ = [
        {"phase": "linear_probe", "epoch": 0, "train_loss": float("nan")},
        {
            "phase": "source",
            "epoch": 0,
            "train_loss": 1.0,
            "val_loss": 1.2,
            "val_score": 0.5,
        },
        {
            "phase": "source",
            "epoch": 1,
            "train_loss": 0.8,
            "val_loss": 1.1,
            "val_score": 0.6,
        },
        {
            "phase": "target",
            "epoch": 0,
            "train_loss": 0.5,
            "val_loss": 0.7,
            "val_score": 0.8,
        },
    ]


def test_finetuning_history_by_phase():
    losses, scores = plot_history(_History())
    labels = [t.get_text() for t in losses.get_legend().get_texts()]
    assert labels == [
        "linear_probe: train loss",
        "source: train loss",
        "source: validation loss",
        "target: train loss",
        "target: validation loss",
    ]
    source_train, source_val = losses.lines[1], losses.lines[2]
    np.testing.assert_array_equal(source_train.get_xdata(), [2, 3])
    np.testing.assert_array_equal(source_train.get_ydata(), [1.0, 0.8])
    np.testing.assert_array_equal(source_val.get_ydata(), [1.2, 1.1])
    np.testing.assert_array_equal(losses.lines[3].get_xdata(), [4])
    np.testing.assert_array_equal(scores.lines[0].get_ydata(), [0.5, 0.6])
    np.testing.assert_array_equal(scores.lines[1].get_ydata(), [0.8])


def test_a_real_finetuner():
    from transferkit.parameter import FineTuner

    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    model = FineTuner(epochs=3, hidden_layer_sizes=(8,), random_state=0).fit(X, y)
    losses, scores = plot_history(model)  # validation records: two panels
    history = model.history_
    assert len(history) == 3 and {r["phase"] for r in history} == {"source"}
    train, val = losses.lines
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(train.get_ydata(), [r["train_loss"] for r in history])
    np.testing.assert_allclose(val.get_ydata(), [r["val_loss"] for r in history])
    np.testing.assert_allclose(
        scores.lines[0].get_ydata(), [r["val_score"] for r in history]
    )
    assert losses.get_title() == "FineTuner: loss per epoch"


def test_unfitted_or_unknown_estimators_are_refused(concept):
    with pytest.raises(TypeError, match="is it fitted"):
        plot_history(TrAdaBoostClassifier())
    Xs, ys, Xt, yt = concept
    model = TrAdaBoostClassifier(n_estimators=2).fit(Xs, ys, Xt[:10], yt[:10])
    with pytest.raises(ValueError, match="both X and y"):
        plot_history(model, X=Xt)
