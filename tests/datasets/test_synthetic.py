import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from transferkit.datasets import DIGIT_SHIFTS, load_digits_shift, make_domain_shift


@pytest.mark.parametrize("kind", ["covariate", "prior", "concept", "affine"])
def test_shapes_determinism_and_global_rng(kind):
    np.random.seed(7)
    state = np.random.get_state()[1].copy()
    a = make_domain_shift(kind, n_source=50, n_target=40, n_features=3, random_state=1)
    b = make_domain_shift(kind, n_source=50, n_target=40, n_features=3, random_state=1)
    np.testing.assert_array_equal(np.random.get_state()[1], state)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    Xs, ys, Xt, yt = a
    assert Xs.shape == (50, 3) and Xt.shape == (40, 3)
    assert ys.shape == (50,) and yt.shape == (40,)


def test_covariate_shift_keeps_labelling_rule():
    Xs, ys, Xt, yt = make_domain_shift("covariate", noise=0.0, random_state=0)
    assert not np.allclose(Xs.mean(0), Xt.mean(0), atol=0.3)
    # the same deterministic rule labels both domains
    from transferkit.datasets._synthetic import _nonlinear_labels

    np.testing.assert_array_equal(
        _nonlinear_labels(np.vstack([Xs, Xt]), 2), np.r_[ys, yt]
    )


def test_prior_shift_changes_class_balance():
    _, ys, _, yt = make_domain_shift(
        "prior", n_source=2000, n_target=2000, shift=3.0, noise=0.0, random_state=0
    )
    assert abs(ys.mean() - 0.5) < 0.05
    assert yt.mean() < 0.35


@pytest.mark.parametrize("kind", ["concept", "affine"])
def test_shift_hurts_a_source_model(kind):
    Xs, ys, Xt, yt = make_domain_shift(kind, n_features=4, shift=1.5, random_state=0)
    model = LogisticRegression().fit(Xs, ys)
    assert model.score(Xt, yt) < LogisticRegression().fit(Xt, yt).score(Xt, yt) - 0.1


def test_zero_shift_affine_is_same_distribution():
    Xs, _, Xt, _ = make_domain_shift(
        "affine", n_source=3000, n_target=3000, shift=0.0, random_state=0
    )
    np.testing.assert_allclose(Xs.mean(0), Xt.mean(0), atol=0.15)


def test_bad_arguments():
    with pytest.raises(ValueError, match="kind must be one of"):
        make_domain_shift("label")
    with pytest.raises(ValueError, match="n_features must be an integer >= 2"):
        make_domain_shift(n_features=1)
    with pytest.raises(ValueError, match="noise"):
        make_domain_shift(noise=0.7)


@pytest.mark.parametrize("shift", DIGIT_SHIFTS)
def test_digits_shift(shift):
    Xs, ys, Xt, yt = load_digits_shift(shift)
    assert Xs.shape == (900, 64) and Xt.shape == (897, 64)
    assert 0 <= Xt.min() and Xt.max() <= 1
    again = load_digits_shift(shift)
    np.testing.assert_array_equal(again[2], Xt)


def test_digits_contrast_is_affine():
    Xs, ys, Xt, yt = load_digits_shift("contrast", random_state=3)
    assert Xt.min() >= 0.25 - 1e-12 and Xt.max() <= 0.75 + 1e-12
    with pytest.raises(ValueError, match="shift must be one of"):
        load_digits_shift("flip")
