"""Task families and the user-style candidate pool of the leave-one-family-out study.

A *family* is a group of related tasks (one data set and its domain pairs);
rules are chosen on some families and reported on the others. Every family
gets the same pool, built as a practitioner builds one: four final
classifiers (1-NN, a linear SVM, logistic regression, an RBF SVM), each
without adaptation and behind CORAL, Subspace Alignment and TCA, plus JDA and
GFK before 1-NN, KMM before logistic regression and MEDA, all at the
library's defaults. Features are standardised with statistics of the source
(per domain for Office-Caltech, as its protocol says).

The photo families have no domain shift beyond a split: the train photos of
a set are the source and its val photos the target, and the other way
round, with frozen EfficientNet-Lite0 features. They check that the rule
keeps the user's classifier where nothing is to be gained.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "FAMILIES",
    "FINAL_ESTIMATORS",
    "family_tasks",
    "lofo_candidates",
]

#: The families, in table order.
FAMILIES = (
    "office_surf",
    "office_decaf",
    "digits",
    "synthetic",
    "newsgroups",
    "photos_hymenoptera",
    "photos_dtd5",
    "photos_rsscn7",
    "photos_trashnet5",
)

#: Folder of the frozen-feature cache of the photo families (by file
#: content; ``TRANSFERKIT_FEATURE_CACHE`` overrides it).
PHOTO_FEATURE_CACHE = "benchmarks/results/feature_cache"

#: The no-adaptation classifiers of the pool, each a possible user baseline.
FINAL_ESTIMATORS = ("1NN", "SVM linear", "LR", "SVC rbf")

#: Rows kept per domain of the larger families (a fixed random subset, seed
#: 0), so that the 20-candidate, 10-fold study fits the machine's budget.
MAX_ROWS = 600


def _finals():
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC

    return {
        "1NN": lambda: KNeighborsClassifier(1),
        # libsvm's linear SVM (the classifier of the Office-Caltech "SVM"
        # rows); liblinear's LinearSVC needs many more iterations on the
        # 800-d SURF features, inside reverse validation's refits above all
        "SVM linear": lambda: SVC(kernel="linear"),
        "LR": lambda: LogisticRegression(max_iter=1000),
        "SVC rbf": lambda: SVC(),
    }


def lofo_candidates():
    """The pool: ``(name, estimator)``, the no-adaptation 1-NN first.

    Returns
    -------
    candidates : list of (str, estimator)
    """
    from ..feature import CORAL, GFK, JDA, MEDA, TCA, SubspaceAlignment
    from ..instance import KMM
    from ..pipeline import make_transfer_pipeline as pipe

    finals = _finals()
    pool = [(name, make()) for name, make in finals.items()]
    for adapter, make_adapter in (
        ("CORAL", CORAL),
        ("SA", SubspaceAlignment),
        ("TCA", TCA),
    ):
        for name, make in finals.items():
            pool.append((f"{adapter} + {name}", pipe(make_adapter(), make())))
    pool += [
        ("JDA + 1NN", pipe(JDA(), finals["1NN"]())),
        ("GFK + 1NN", pipe(GFK(), finals["1NN"]())),
        ("KMM + LR", KMM(finals["LR"](), random_state=0)),
        ("MEDA", MEDA()),
    ]
    return pool


def _subsample(X, y, n, seed):
    if X.shape[0] <= n:
        return X, y
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.choice(X.shape[0], size=n, replace=False))
    return X[keep], y[keep]


def _standardise(Xs, Xt):
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(Xs)
    return scaler.transform(Xs), scaler.transform(Xt)


def _office(features, data_home):
    from ..datasets import load_office_caltech

    domains = (
        ("caltech", "amazon", "webcam", "dslr")
        if features == "surf"
        else ("webcam", "dslr")
    )
    data = {
        d: load_office_caltech(d, features=features, data_home=data_home)
        for d in domains
    }
    short = {"caltech": "C", "amazon": "A", "webcam": "W", "dslr": "D"}
    tasks, names = [], []
    for s in domains:
        for t in domains:
            if s == t:
                continue
            Xs, ys = _subsample(*data[s], MAX_ROWS, 0)
            Xt, yt = _subsample(*data[t], MAX_ROWS, 1)
            tasks.append((Xs, ys, Xt, yt))
            names.append(f"{short[s]}→{short[t]}")
    return tasks, names


def _digits():
    from ..datasets import DIGIT_SHIFTS, load_digits_shift

    tasks = []
    for shift in DIGIT_SHIFTS:
        Xs, ys, Xt, yt = load_digits_shift(shift, random_state=0)
        Xs, ys = _subsample(Xs, ys, MAX_ROWS, 0)
        Xt, yt = _subsample(Xt, yt, MAX_ROWS, 1)
        tasks.append((Xs, ys, Xt, yt))
    return tasks, list(DIGIT_SHIFTS)


def _synthetic():
    # the synthetic shifts of ``benchmark selection``, standardised
    from .selection import _synthetic_tasks

    tasks, names = _synthetic_tasks()
    out = []
    for Xs, ys, Xt, yt in tasks:
        Xs, Xt = _standardise(Xs, Xt)
        out.append((Xs, ys, Xt, yt))
    return out, names


#: Latent dimensions of the newsgroups TF-IDF features (LSA: a truncated SVD
#: fitted on the source and target documents together, no labels).
NEWSGROUPS_COMPONENTS = 100


def _newsgroups(data_home):
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    from ._text_splits import CROSS_TOPIC_PAIRS, make_cross_topic_split

    tasks, names = [], []
    for pair in CROSS_TOPIC_PAIRS:
        texts_s, ys, texts_t, yt = make_cross_topic_split(pair, data_home=data_home)
        rng = np.random.default_rng(0)
        keep_s = np.sort(rng.choice(len(texts_s), size=MAX_ROWS, replace=False))
        keep_t = np.sort(rng.choice(len(texts_t), size=MAX_ROWS, replace=False))
        texts_s = [texts_s[i] for i in keep_s]
        texts_t = [texts_t[i] for i in keep_t]
        ys, yt = np.asarray(ys)[keep_s], np.asarray(yt)[keep_t]
        tfidf = TfidfVectorizer(min_df=3, sublinear_tf=True).fit(texts_s + texts_t)
        svd = TruncatedSVD(NEWSGROUPS_COMPONENTS, random_state=0)
        Z = svd.fit_transform(tfidf.transform(texts_s + texts_t))
        Zs, Zt = Z[: len(texts_s)], Z[len(texts_s) :]
        # both directions: the target's sub-groups as the source too
        for name, (A, a, B, b) in (
            (pair, (Zs, ys, Zt, yt)),
            (f"{pair} (reversed)", (Zt, yt, Zs, ys)),
        ):
            XA, XB = _standardise(A, B)
            tasks.append((XA, a, XB, b))
            names.append(name)
    return tasks, names


def _photos(name, data_home):
    """A photo set: train -> val and val -> train, frozen EfficientNet-Lite0."""
    import os

    from ..datasets._home import get_data_home
    from ..parameter._image_folder import ImageFolder
    from ..parameter.backbones import get_backbone
    from ._image_features import cached_features

    root = get_data_home(data_home) / "images" / name
    cache = os.environ.get("TRANSFERKIT_FEATURE_CACHE", PHOTO_FEATURE_CACHE)
    body = get_backbone("efficientnet_lite0")
    parts = {}
    for split in ("train", "val"):
        folder = ImageFolder(root / split, decode=False)
        X = cached_features(body, folder.paths, cache).astype(np.float64)
        parts[split] = (X, np.asarray(folder.targets))
    tasks = []
    for s, t in (("train", "val"), ("val", "train")):
        Xs, Xt = _standardise(parts[s][0], parts[t][0])
        tasks.append((Xs, parts[s][1], Xt, parts[t][1]))
    return tasks, ["train→val", "val→train"]


def family_tasks(family, data_home=None):
    """The tasks of one family.

    Parameters
    ----------
    family : str
        One of :data:`FAMILIES`.
    data_home : str or path-like, default=None
        Data folder of the real data sets; else ``TRANSFERKIT_DATA``.

    Returns
    -------
    tasks : list of (Xs, ys, Xt, yt)
    names : list of str
    """
    if family == "office_surf":
        return _office("surf", data_home)
    if family == "office_decaf":
        return _office("decaf", data_home)
    if family == "digits":
        return _digits()
    if family == "synthetic":
        return _synthetic()
    if family == "newsgroups":
        return _newsgroups(data_home)
    if family.startswith("photos_"):
        return _photos(family[len("photos_") :], data_home)
    raise ValueError(f"family must be one of {FAMILIES}, got {family!r}.")
