import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from transferkit.relational import (
    MapAndRevise,
    PredicateMappingSearch,
    RelationalPathClassifier,
)
from transferkit.relational._map_and_revise import revise_logistic

from .test_mapping import renamed_pair, true_mapping_str


def test_zero_shot_on_renamed_world_matches_source_model_exactly():
    Xs, Xt, y = renamed_pair()
    src = RelationalPathClassifier(max_path_length=2).fit(Xs, y)
    model = MapAndRevise(
        source_estimator=src, mapping=PredicateMappingSearch(scoring="structure")
    ).fit(Xs, y, Xt)
    assert model.mapping_str_ == true_mapping_str()
    assert model.transfer_report_["chosen"] == "transfer"
    np.testing.assert_allclose(
        model.predict_proba(Xt), src.predict_proba(Xs), rtol=1e-10, atol=1e-12
    )
    np.testing.assert_array_equal(model.predict(Xt), src.predict(Xs))
    assert model.score(Xt, y) == pytest.approx(
        roc_auc_score(y, src.predict_proba(Xs)[:, 1])
    )


def test_revision_with_labels_and_the_guard():
    Xs, Xt, y = renamed_pair(seed=1)
    model = MapAndRevise(random_state=0).fit(Xs, y, Xt, y)
    report = model.transfer_report_
    assert report["chosen"] in ("transfer", "target_only")
    assert {"transfer_auc", "target_only_auc"} <= set(report)
    assert model.score(Xt, y) > 0.95
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict_proba(Xt), model.predict_proba(Xt))
    refit = clone(model).fit(Xs, y, Xt, y)
    np.testing.assert_array_equal(refit.predict_proba(Xt), model.predict_proba(Xt))


def test_given_mapping_dict_and_errors():
    Xs, Xt, y = renamed_pair()
    search = PredicateMappingSearch(scoring="structure", max_path_length=2)
    mapping = search.fit(Xs, y, Xt).mapping_
    model = MapAndRevise(mapping=mapping, revise=False).fit(Xs, y, Xt, y)
    assert model.mapping_ is mapping
    assert model.transfer_report_["reason"] == "revise=False"
    with pytest.raises(ValueError, match="yt has 3 labels"):
        MapAndRevise(mapping=mapping).fit(Xs, y, Xt, y[:3])
    with pytest.raises(TypeError, match="both be Queries"):
        MapAndRevise().fit(Xs, y, np.zeros((3, 2)))


def test_revise_logistic_solves_its_objective():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(200, 4))
    y = (Z[:, 0] + 0.5 * rng.normal(size=200) > 0).astype(float)
    w0 = np.array([2.0, 0.0])
    w, b = revise_logistic(Z, y, w0, 2, prior_strength=3.0, alpha=5.0)
    # compare with scipy on the same (nonsmooth) objective via a fine grid
    from scipy.optimize import minimize

    def obj(x):
        u = Z @ x[:4] + x[4]
        loss = np.sum(np.logaddexp(0, u) - y * u)
        reg = 1.5 * np.sum((x[:2] - w0) ** 2) + 1.5 * np.sum(x[2:4] ** 2)
        return loss + reg + 5.0 * np.sum(np.abs(x[2:4]))

    ref = minimize(
        obj,
        np.r_[w, b] + 0.1,
        method="Powell",
        options={"xtol": 1e-8, "ftol": 1e-12, "maxiter": 20000},
    )
    assert obj(np.r_[w, b]) <= ref.fun + 1e-6


def test_no_type_consistent_mapping_falls_back_to_target_only():
    from ._worlds import unmappable_pair

    Xs, ys, Xt, yt = unmappable_pair()
    model = MapAndRevise(random_state=0).fit(Xs, ys, Xt, yt)
    assert model.mapping_ == {}
    assert model.transfer_report_["chosen"] == "target_only"
    assert "no type-consistent mapping" in model.transfer_report_["reason"]
    assert model.translated_coef_.size == 0
    p = model.predict_proba(Xt)[:, 1]
    assert roc_auc_score(yt, p) == 1.0  # learnt from the target labels
    # zero-shot: nothing translates, a constant model, said so
    zero = MapAndRevise(random_state=0).fit(Xs, ys, Xt)
    assert zero.transfer_report_["chosen"] == "base rate"
    assert np.ptp(zero.predict_proba(Xt)[:, 1]) == 0
    # the empty mapping given explicitly (the benchmark's few-label path)
    again = MapAndRevise(mapping={}, random_state=0).fit(Xs, ys, Xt, yt)
    assert again.transfer_report_["chosen"] == "target_only"
