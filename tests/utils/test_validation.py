import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from transferkit.utils import (
    check_sample_weight_support,
    check_source_target,
    is_multi_domain,
)
from transferkit.utils.validation import check_two_domains


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    y = np.repeat([0, 1, 2], 10)
    Xt = rng.normal(size=(20, 4))
    yt = np.repeat([0, 1], 10)
    return X, y, Xt, yt


def test_no_shift_fallback(data):
    X, y, _, _ = data
    d = check_source_target(LogisticRegression(), X, y)
    assert d.no_shift and d.Xt is d.X and d.yt is d.y
    assert d.target_sizes == (30,)


def test_sets_n_features_in(data):
    X, y, Xt, _ = data
    est = LogisticRegression()
    check_source_target(est, X, y, Xt)
    assert est.n_features_in_ == 4


def test_mismatched_features_names_both_shapes(data):
    X, y, Xt, _ = data
    with pytest.raises(
        ValueError, match=r"Xt has shape \(20, 3\).*X has shape \(30, 4\)"
    ):
        check_source_target(LogisticRegression(), X, y, Xt[:, :3])


@pytest.mark.parametrize("arg", ["X", "Xt"])
def test_nan_names_argument(data, arg):
    X, y, Xt, _ = data
    X, Xt = X.copy(), Xt.copy()
    (X if arg == "X" else Xt)[0, 0] = np.nan
    with pytest.raises(ValueError, match=f"{arg} contains NaN"):
        check_source_target(LogisticRegression(), X, y, Xt)


def test_inf_rejected(data):
    X, y, Xt, _ = data
    Xt = Xt.copy()
    Xt[1, 1] = np.inf
    with pytest.raises(ValueError, match="Xt contains infinity"):
        check_source_target(LogisticRegression(), X, y, Xt)


@pytest.mark.parametrize("arg", ["X", "Xt"])
def test_empty_names_argument(data, arg):
    X, y, Xt, _ = data
    if arg == "X":
        X, y = X[:0], y[:0]
    else:
        Xt = Xt[:0]
    with pytest.raises(ValueError, match=f"{arg} is empty"):
        check_source_target(LogisticRegression(), X, y, Xt)


def test_one_class_rejected(data):
    X, _, Xt, _ = data
    with pytest.raises(ValueError, match="1 class"):
        check_source_target(
            LogisticRegression(), X, np.zeros(30), Xt, task="classification"
        )


def test_missing_y_and_yt(data):
    X, y, Xt, _ = data
    with pytest.raises(ValueError, match="requires y to be passed"):
        check_source_target(LogisticRegression(), X, None, Xt, require_y=True)
    with pytest.raises(ValueError, match="yt is None"):
        check_source_target(LogisticRegression(), X, y, Xt, require_yt=True)
    with pytest.raises(ValueError, match="yt but no Xt"):
        check_source_target(LogisticRegression(), X, y, None, np.zeros(3))


def test_require_yt_satisfied_by_no_shift(data):
    X, y, _, _ = data
    d = check_source_target(LogisticRegression(), X, y, require_yt=True)
    assert d.yt is d.y


def test_unseen_target_labels(data):
    X, y, Xt, _ = data
    yt = np.r_[np.zeros(19), 9]
    with pytest.raises(ValueError, match=r"yt contains labels \[9"):
        check_source_target(
            LogisticRegression(),
            X,
            y,
            Xt,
            yt,
            task="classification",
            yt_labels_in_y=True,
        )


def test_yt_length_mismatch(data):
    X, y, Xt, yt = data
    with pytest.raises(ValueError, match="yt has 19 labels but Xt has 20 rows"):
        check_source_target(LogisticRegression(), X, y, Xt, yt[:19])


def test_multi_domain_stacks(data):
    X, y, Xt, yt = data
    d = check_source_target(
        LogisticRegression(), X, y, (Xt[:5], Xt[5:]), (yt[:5], yt[5:])
    )
    assert d.target_sizes == (5, 15)
    np.testing.assert_array_equal(d.Xt, Xt)
    np.testing.assert_array_equal(d.yt, yt)
    with pytest.raises(ValueError, match=r"Xt\[1\] has shape"):
        check_source_target(LogisticRegression(), X, y, [Xt, Xt[:, :2]])


def test_list_of_rows_is_one_domain(data):
    X, y, Xt, _ = data
    assert not is_multi_domain(Xt.tolist())
    assert is_multi_domain([Xt, Xt])
    assert is_multi_domain((sp.csr_matrix(Xt),))
    d = check_source_target(LogisticRegression(), X, y, Xt.tolist())
    assert d.Xt.shape == (20, 4)


def test_sparse_rejected_with_densify_hint(data):
    X, y, Xt, _ = data
    with pytest.raises(TypeError, match="dense data is required"):
        check_source_target(LogisticRegression(), sp.csr_matrix(X), y, Xt)
    d = check_source_target(
        LogisticRegression(),
        sp.csr_matrix(X),
        y,
        [sp.csr_matrix(Xt), Xt],
        accept_sparse="csr",
    )
    assert sp.issparse(d.Xt) and d.Xt.shape == (40, 4)


def test_float32_kept_and_target_cast(data):
    X, y, Xt, _ = data
    d = check_source_target(LogisticRegression(), X.astype(np.float32), y, Xt)
    assert d.X.dtype == np.float32 and d.Xt.dtype == np.float32


def test_strings_rejected(data):
    X, y, _, _ = data
    with pytest.raises(ValueError, match="strings|string"):
        check_source_target(LogisticRegression(), X, y, np.array([["a"] * 4]))


def test_caller_arrays_untouched(data):
    X, y, Xt, yt = data
    copies = [a.copy() for a in (X, y, Xt, yt)]
    check_source_target(LogisticRegression(), X, y, Xt, yt, task="classification")
    for before, after in zip(copies, (X, y, Xt, yt)):
        np.testing.assert_array_equal(before, after)


def test_feature_names_must_match(data):
    pd = pytest.importorskip("pandas")
    X, y, Xt, _ = data
    cols = list("abcd")
    est = LogisticRegression()
    check_source_target(
        est, pd.DataFrame(X, columns=cols), y, pd.DataFrame(Xt, columns=cols)
    )
    assert list(est.feature_names_in_) == cols
    with pytest.raises(ValueError, match="feature names of Xt differ"):
        check_source_target(
            est,
            pd.DataFrame(X, columns=cols),
            y,
            pd.DataFrame(Xt, columns=list("abce")),
        )


def test_sample_weight_support():
    check_sample_weight_support(LogisticRegression(), "KMM")
    with pytest.raises(
        TypeError, match="KNeighborsClassifier.fit accepts no sample_weight"
    ):
        check_sample_weight_support(KNeighborsClassifier(), "KMM")


def test_check_two_domains():
    with pytest.raises(
        ValueError, match=r"Xt has shape \(2, 2\) but Xs has shape \(2, 3\)"
    ):
        check_two_domains(np.ones((2, 3)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="Xs is empty"):
        check_two_domains(np.ones((0, 3)), np.ones((2, 3)))
