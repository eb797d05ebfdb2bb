import logging
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from tests._recording import RecordingShift
from transferkit.exceptions import NoTargetDataWarning
from transferkit.pipeline import TransferPipeline, make_transfer_pipeline


@pytest.fixture
def shifted():
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(120, 3)) * [1, 2, 3]
    ys = (Xs[:, 0] + Xs[:, 1] > 0).astype(int)
    Xt = rng.normal(size=(80, 3)) * [1, 2, 3] + 5.0
    yt = (Xt[:, 0] - 5 + Xt[:, 1] - 5 > 0).astype(int)
    return Xs, ys, Xt, yt


def test_make_transfer_pipeline_names_and_default_input():
    pipe = make_transfer_pipeline(
        StandardScaler(), StandardScaler(), LogisticRegression()
    )
    assert [n for n, _ in pipe.steps] == [
        "standardscaler-1",
        "standardscaler-2",
        "logisticregression",
    ]
    assert isinstance(pipe, TransferPipeline) and pipe.transform_input == ("Xt",)


def test_transformer_sees_scaled_Xt(shifted):
    Xs, ys, Xt, yt = shifted
    pipe = make_transfer_pipeline(
        StandardScaler(), RecordingShift(), LogisticRegression()
    )
    pipe.fit(Xs, ys, Xt=Xt)
    scaler = pipe.steps[0][1]
    np.testing.assert_allclose(pipe.steps[1][1].seen_Xt_, scaler.transform(Xt))
    # the shift is undone, so the target is classified well
    assert pipe.score(Xt, yt) > 0.9
    assert LogisticRegression().fit(Xs, ys).score(Xt, yt) < 0.8


def test_tuple_Xt_is_transformed_element_wise(shifted):
    Xs, ys, Xt, _ = shifted
    pipe = make_transfer_pipeline(
        StandardScaler(), RecordingShift(), LogisticRegression()
    )
    pipe.fit(Xs, ys, Xt=(Xt[:30], Xt[30:]))
    np.testing.assert_allclose(
        pipe.steps[1][1].seen_Xt_, pipe.steps[0][1].transform(Xt)
    )


def test_fit_transform_and_fit_predict(shifted):
    Xs, ys, Xt, _ = shifted
    pipe = make_transfer_pipeline(StandardScaler(), RecordingShift())
    Z = pipe.fit_transform(Xs, ys, Xt=Xt)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    from sklearn.cluster import KMeans

    labels = make_transfer_pipeline(
        RecordingShift(), KMeans(2, n_init=2, random_state=0)
    ).fit_predict(Xs, Xt=Xt)
    assert labels.shape == (120,)


def test_plain_sklearn_recipe(shifted):
    Xs, ys, Xt, yt = shifted
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = Pipeline(
            [
                ("scale", StandardScaler()),
                ("shift", RecordingShift()),
                ("lr", LogisticRegression()),
            ],
            transform_input=["Xt"],
        ).fit(Xs, ys, Xt=Xt)
    np.testing.assert_allclose(
        pipe.steps[1][1].seen_Xt_, pipe.steps[0][1].transform(Xt)
    )
    assert pipe.score(Xt, yt) > 0.9


def test_global_config_untouched(shifted):
    Xs, ys, Xt, _ = shifted
    before = sklearn.get_config()
    make_transfer_pipeline(RecordingShift(), LogisticRegression()).fit(Xs, ys, Xt=Xt)
    assert sklearn.get_config() == before
    assert sklearn.get_config()["enable_metadata_routing"] is False


def test_config_restored_after_error(shifted):
    Xs, ys, Xt, _ = shifted
    with pytest.raises(ValueError):
        make_transfer_pipeline(RecordingShift(), LogisticRegression()).fit(
            Xs, ys, Xt=Xt[:, :2]
        )
    assert sklearn.get_config()["enable_metadata_routing"] is False


def test_cross_validate_passes_tuple_Xt_whole(shifted):
    Xs, ys, Xt, _ = shifted
    # Xt with as many rows as X would be sliced per fold; the tuple is not.
    Xt_same = Xt[:40].repeat(3, axis=0)
    assert Xt_same.shape[0] == Xs.shape[0]
    result = cross_validate(
        make_transfer_pipeline(RecordingShift(), LogisticRegression()),
        Xs,
        ys,
        params={"Xt": (Xt_same,)},
        cv=3,
        return_estimator=True,
    )
    for est in result["estimator"]:
        assert est.steps[0][1].seen_Xt_.shape == Xt_same.shape
    sliced = cross_validate(
        make_transfer_pipeline(RecordingShift(), LogisticRegression()),
        Xs,
        ys,
        params={"Xt": Xt_same},
        cv=3,
        return_estimator=True,
    )
    assert sliced["estimator"][0].steps[0][1].seen_Xt_.shape[0] == 80


def test_grid_search_over_step_parameter(shifted):
    Xs, ys, Xt, _ = shifted
    search = GridSearchCV(
        make_transfer_pipeline(
            StandardScaler(), RecordingShift(), LogisticRegression()
        ),
        {"logisticregression__C": [0.01, 1.0]},
        cv=3,
    ).fit(Xs, ys, Xt=(Xt,))
    assert search.best_params_["logisticregression__C"] in (0.01, 1.0)
    assert search.best_estimator_.steps[1][1].seen_Xt_.shape == Xt.shape


def test_grid_search_with_global_routing(shifted):
    Xs, ys, Xt, _ = shifted
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            make_transfer_pipeline(RecordingShift(), LogisticRegression()),
            {"logisticregression__C": [0.1, 1.0]},
            cv=3,
        ).fit(Xs, ys, Xt=(Xt,))
    assert search.best_estimator_.steps[0][1].seen_Xt_.shape == Xt.shape


def test_clone_and_pickle(shifted):
    import pickle

    from sklearn.base import clone

    Xs, ys, Xt, yt = shifted
    pipe = make_transfer_pipeline(
        StandardScaler(), RecordingShift(), LogisticRegression()
    )
    clone(pipe)
    pipe.fit(Xs, ys, Xt=Xt)
    again = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(again.predict(Xt), pipe.predict(Xt))


def _shift():
    from transferkit.datasets import make_domain_shift

    return make_domain_shift(random_state=0)


def test_xt_is_accepted_positionally_like_the_estimators():
    # Reported: TransferPipeline.fit(Xs, ys, Xt) raised a bare TypeError.
    from transferkit.feature import CORAL

    Xs, ys, Xt, yt = _shift()
    by_position = make_transfer_pipeline(CORAL(), LogisticRegression()).fit(Xs, ys, Xt)
    by_keyword = make_transfer_pipeline(CORAL(), LogisticRegression()).fit(
        Xs, ys, Xt=Xt
    )
    np.testing.assert_array_equal(
        by_position.predict_proba(Xt), by_keyword.predict_proba(Xt)
    )
    pipe = make_transfer_pipeline(CORAL(), LogisticRegression())
    no_target = make_transfer_pipeline(CORAL(), LogisticRegression())
    with pytest.warns(NoTargetDataWarning):
        no_target.fit(Xs, ys)
    # the positional Xt really reaches CORAL: the result differs from no Xt
    assert not np.allclose(
        pipe.fit(Xs, ys, Xt).predict_proba(Xt), no_target.predict_proba(Xt)
    )
    Z = make_transfer_pipeline(CORAL()).fit_transform(Xs, ys, Xt)
    np.testing.assert_allclose(Z, CORAL().fit_transform(Xs, ys, Xt=Xt))
    with pytest.raises(TypeError, match="multiple values"):
        pipe.fit(Xs, ys, Xt, Xt=Xt)


def test_pipeline_without_xt_warns_once_and_logs(caplog):
    from transferkit.feature import CORAL
    from transferkit.instance import KMM

    Xs, ys, _, _ = _shift()
    pipe = make_transfer_pipeline(CORAL(), KMM(LogisticRegression()))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with caplog.at_level(logging.INFO, logger="transferkit"):
            pipe.fit(Xs, ys)
    hits = [w for w in caught if issubclass(w.category, NoTargetDataWarning)]
    assert len(hits) == 1
    assert "TransferPipeline" in str(hits[0].message)
    assert hits[0].filename == __file__
    logged = [r for r in caplog.records if "without adaptation" in r.getMessage()]
    assert len(logged) == 1


def test_estimator_without_xt_warns_at_the_callers_line():
    from transferkit.instance import KMM

    Xs, ys, Xt, _ = _shift()
    with pytest.warns(NoTargetDataWarning, match="KMM.*without adaptation") as rec:
        KMM().fit(Xs, ys)
    assert rec[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error", NoTargetDataWarning)
        KMM().fit(Xs, ys, Xt)
        make_transfer_pipeline(KMM()).fit(Xs, ys, Xt)


def test_pipeline_without_transfer_step_does_not_warn():
    Xs, ys, _, _ = _shift()
    with warnings.catch_warnings():
        warnings.simplefilter("error", NoTargetDataWarning)
        make_transfer_pipeline(StandardScaler(), LogisticRegression()).fit(Xs, ys)
