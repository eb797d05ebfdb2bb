import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from transferkit.feature import FeatureAugmentation
from transferkit.feature._feature_augmentation import augment_features
from transferkit.pipeline import make_transfer_pipeline


def _concept_shift(random_state=0, n_source=400, n_target_train=40, n_test=400):
    """Source labels follow x0 + x1 > 0, target labels x0 - x1 > 0."""
    rng = np.random.RandomState(random_state)
    Xs = rng.normal(size=(n_source, 4))
    ys = (Xs[:, 0] + Xs[:, 1] > 0).astype(int)
    Xt = rng.normal(size=(n_target_train + n_test, 4))
    yt = (Xt[:, 0] - Xt[:, 1] > 0).astype(int)
    return (
        Xs,
        ys,
        Xt[:n_target_train],
        yt[:n_target_train],
        Xt[n_target_train:],
        yt[n_target_train:],
    )


def test_augmented_layout():
    X = np.arange(6.0).reshape(3, 2)
    zeros = np.zeros_like(X)
    np.testing.assert_array_equal(
        augment_features(X, "source"), np.hstack([X, X, zeros])
    )
    np.testing.assert_array_equal(
        augment_features(X, "target"), np.hstack([X, zeros, X])
    )
    np.testing.assert_array_equal(
        augment_features(X, "general"), np.hstack([X, zeros, zeros])
    )
    sparse = augment_features(sp.csr_matrix(X), "target")
    assert sp.issparse(sparse)
    np.testing.assert_array_equal(sparse.toarray(), np.hstack([X, zeros, X]))


def test_estimator_is_trained_on_augmented_source_and_target():
    Xs, ys, Xt, yt, _, _ = _concept_shift()
    fa = FeatureAugmentation(LogisticRegression()).fit(Xs, ys, Xt=Xt, yt=yt)
    expected_rows = np.vstack(
        [augment_features(Xs, "source"), augment_features(Xt, "target")]
    )
    reference = LogisticRegression().fit(expected_rows, np.concatenate([ys, yt]))
    np.testing.assert_allclose(fa.estimator_.coef_, reference.coef_)
    np.testing.assert_array_equal(fa.classes_, [0, 1])
    # predictions use the target representation
    np.testing.assert_array_equal(
        fa.predict(Xt), reference.predict(augment_features(Xt, "target"))
    )
    np.testing.assert_allclose(
        fa.predict_proba(Xt), reference.predict_proba(augment_features(Xt, "target"))
    )


def test_helps_under_concept_shift_with_few_target_labels():
    Xs, ys, Xt, yt, X_test, y_test = _concept_shift()
    source_only = LogisticRegression().fit(Xs, ys).score(X_test, y_test)
    fa = FeatureAugmentation().fit(Xs, ys, Xt=Xt, yt=yt).score(X_test, y_test)
    assert source_only < 0.65
    assert fa > 0.85


def test_in_transfer_pipeline_as_last_step():
    Xs, ys, Xt, yt, X_test, y_test = _concept_shift()
    pipe = make_transfer_pipeline(StandardScaler(), FeatureAugmentation(LinearSVC()))
    pipe.fit(Xs, ys, Xt=Xt, yt=yt)
    fa = pipe.named_steps["featureaugmentation"]
    assert fa.estimator_.coef_.shape == (1, 12)
    # the target block received weight: target labels were used
    assert np.abs(fa.estimator_.coef_[0, 8:]).sum() > 0.1
    assert pipe.score(X_test, y_test) > 0.85


def test_as_intermediate_step_raises_clear_error():
    Xs, ys, Xt, yt, _, _ = _concept_shift()
    pipe = make_transfer_pipeline(FeatureAugmentation(), LinearSVC())
    with pytest.raises(TypeError, match="last step"):
        pipe.fit(Xs, ys, Xt=Xt, yt=yt)


def test_requires_yt_with_xt_and_y():
    Xs, ys, Xt, yt, _, _ = _concept_shift()
    with pytest.raises(ValueError, match="yt"):
        FeatureAugmentation().fit(Xs, ys, Xt=Xt)
    with pytest.raises(ValueError, match="requires y"):
        FeatureAugmentation().fit(Xs, None, Xt=Xt, yt=yt)
    with pytest.raises(ValueError, match="same number of features"):
        FeatureAugmentation().fit(Xs, ys, Xt=Xt[:, :2], yt=yt)
    bad = Xt.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        FeatureAugmentation().fit(Xs, ys, Xt=bad, yt=yt)
    with pytest.raises(ValueError, match="labels"):
        FeatureAugmentation().fit(Xs, ys, Xt=Xt, yt=yt[:-1])
    fa = FeatureAugmentation().fit(Xs, ys, Xt=Xt, yt=yt)
    with pytest.raises(ValueError, match="domain"):
        fa.transform(Xt, domain="other")


def test_no_shift_trains_on_target_representation():
    Xs, ys, *_ = _concept_shift()
    fa = FeatureAugmentation(LogisticRegression()).fit(Xs, ys)
    ref = LogisticRegression().fit(augment_features(Xs, "target"), ys)
    np.testing.assert_allclose(fa.estimator_.coef_, ref.coef_)


def test_sparse_float32_and_no_mutation():
    Xs, ys, Xt, yt, _, _ = _concept_shift()
    Xs32, Xt32 = Xs.astype(np.float32), Xt.astype(np.float32)
    before = Xs32.copy(), Xt32.copy()
    fa = FeatureAugmentation().fit(Xs32, ys, Xt=Xt32, yt=yt)
    assert fa.transform(Xt32).dtype == np.float32
    np.testing.assert_array_equal(Xs32, before[0])
    np.testing.assert_array_equal(Xt32, before[1])
    dense = FeatureAugmentation().fit(Xs, ys, Xt=Xt, yt=yt)
    sparse = FeatureAugmentation().fit(
        sp.csr_matrix(Xs), ys, Xt=sp.csr_matrix(Xt), yt=yt
    )
    np.testing.assert_allclose(
        sparse.estimator_.coef_, dense.estimator_.coef_, rtol=1e-4, atol=1e-6
    )


def test_regression_estimator():
    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(200, 3))
    ys = Xs @ [1.0, 2.0, 0.0]
    Xt = rng.normal(size=(30, 3))
    yt = Xt @ [1.0, -2.0, 0.5]
    X_test = rng.normal(size=(200, 3))
    y_test = X_test @ [1.0, -2.0, 0.5]
    fa = FeatureAugmentation(Ridge(alpha=0.1)).fit(Xs, ys, Xt=Xt, yt=yt)
    assert fa.score(X_test, y_test) > 0.95
    assert Ridge(alpha=0.1).fit(Xs, ys).score(X_test, y_test) < 0.0


@parametrize_with_checks([FeatureAugmentation(Ridge())])
def test_sklearn_checks_with_a_regressor(estimator, check):
    check(estimator)


def test_feature_augmentation_refuses_one_class():
    rng = np.random.default_rng(0)
    Xs, Xt = rng.normal(size=(60, 3)), rng.normal(loc=0.5, size=(50, 3))
    with pytest.raises(ValueError, match="1 class"):
        FeatureAugmentation().fit(Xs, np.zeros(60), Xt, np.zeros(50))
    # two classes between the domains are enough
    model = FeatureAugmentation().fit(Xs, np.zeros(60), Xt, np.ones(50))
    assert model.classes_.tolist() == [0.0, 1.0]
