"""Ants vs bees from a few photos per class (hymenoptera, an ImageNet subset).

Run with ``TRANSFERKIT_DATA=../shared/data python -m transferkit benchmark
images``. Needs ``pip install "transferkit[vision]"``.
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from threadpoolctl import threadpool_limits

from ..datasets._home import get_data_home
from ..parameter._torch import torch_threads as _torch_threads
from ._registry import BenchmarkTable, register

__all__ = ["images_benchmark", "draw_shots", "make_small_cnn", "PROJECT_REFERENCE"]

#: Accuracy (%) measured earlier for this project, docs/references.md
#: "Photos, a few per class" (5 draws), by row and k.
PROJECT_REFERENCE = {
    "LR on 32x32 pixels": {10: 53.5, 40: 53.1},
    "small CNN from scratch": {10: 63.1, 40: 66.1},
    "frozen efficientnet_lite0 + LR": {10: 92.9, 40: 94.2},
    "frozen efficientnet_lite2 + LR": {10: 95.8, 40: 96.6},
}

#: The backbones ``finetune-images --backbone auto`` chooses among.
COMMAND_BACKBONES = ("efficientnet_lite2", "efficientnet_lite1", "efficientnet_lite0")

#: Inverse regularisation strengths tried by the cross-validation of C.
C_GRID = (0.001, 0.01, 0.1, 1.0, 10.0)


def draw_shots(targets, k, seed):
    """Indices of ``k`` items per class drawn without replacement.

    Parameters
    ----------
    targets : array-like of shape (n,)
    k : int
    seed : int
        Seeds ``numpy.random.default_rng``.

    Returns
    -------
    indices : ndarray of int, sorted
    """
    targets = np.asarray(targets)
    rng = np.random.default_rng(seed)
    chosen = []
    for name in np.unique(targets):
        members = np.flatnonzero(targets == name)
        if members.size < k:
            raise ValueError(f"class {name!r} has {members.size} items, fewer than {k}")
        chosen.append(rng.choice(members, size=k, replace=False))
    return np.sort(np.concatenate(chosen))


def _probe(X, y, seed):
    """Logistic regression, C chosen by stratified CV on (X, y) only."""
    n_splits = int(min(5, np.unique(y, return_counts=True)[1].min()))
    search = GridSearchCV(
        LogisticRegression(max_iter=5000),
        {"C": list(C_GRID)},
        cv=StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed),
    )
    return search.fit(X, y)


def _pixels(paths, size):
    """RGB pixels in [-1, 1], shorter side to ``size * 256 / 224``, centre crop."""
    from ..parameter.backbones._images import open_rgb, resize_center_crop

    arr = np.stack(
        [np.asarray(resize_center_crop(open_rgb(p), size), np.float32) for p in paths]
    )
    return arr / 127.5 - 1.0


def _small_cnn_class():
    import torch

    class SmallCNN(torch.nn.Module):
        """Three conv-BN-ReLU-pool stages (16, 32, 64 channels), a linear head."""

        def __init__(self, n_classes):
            super().__init__()
            layers, width = [], 3
            for out in (16, 32, 64):
                layers += [
                    torch.nn.Conv2d(width, out, 3, padding=1, bias=False),
                    torch.nn.BatchNorm2d(out),
                    torch.nn.ReLU(),
                    torch.nn.MaxPool2d(2),
                ]
                width = out
            self.features = torch.nn.Sequential(*layers)
            self.head = torch.nn.Linear(width, n_classes)

        def forward(self, x):
            return self.head(self.features(x).mean(dim=(2, 3)))

    return SmallCNN


def make_small_cnn(n_classes, seed=0):
    """The benchmark's small CNN, initialised from ``seed``.

    Three conv(3x3)-BN-ReLU-maxpool stages with 16, 32 and 64 channels,
    global average pooling and a linear layer. torch's global random state
    is forked for the initialisation and restored.
    """
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return _small_cnn_class()(n_classes)


def _fit_small_cnn(X, y, X_test, seed, epochs=30, batch_size=16, lr=3e-3):
    """Train the small CNN on ``X`` (NHWC in [-1, 1]); predicted test labels.

    Initialisation, shuffling and flips come from ``seed``; torch's global
    random state is forked and restored.
    """
    import torch

    classes, y_idx = np.unique(y, return_inverse=True)
    Xt = torch.from_numpy(np.ascontiguousarray(X.transpose(0, 3, 1, 2)))
    yt = torch.from_numpy(y_idx.astype(np.int64))
    model = make_small_cnn(len(classes), seed)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(yt), generator=gen)
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            xb = Xt[idx]
            flip = torch.rand(len(idx), generator=gen) < 0.5
            xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
            loss = torch.nn.functional.cross_entropy(model(xb), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.inference_mode():
        test = torch.from_numpy(np.ascontiguousarray(X_test.transpose(0, 3, 1, 2)))
        predicted = torch.cat([model(c).argmax(1) for c in test.split(64)])
    return classes[predicted.numpy()]


def _cell(values):
    values = 100 * np.asarray(values)
    return f"{values.mean():.1f} ± {values.std():.1f}"


@register(
    "images",
    "Ants vs bees from k photos per class: pixels, small CNN, frozen "
    "EfficientNet-Lite + LR (accuracy %)",
)
def images_benchmark(
    data_home=None,
    repeats=5,
    shots=(10, 20, 40),
    backbones=("efficientnet_lite0", "efficientnet_lite1", "efficientnet_lite2"),
    max_val_per_class=None,
    cnn_epochs=30,
    torch_threads=1,
    feature_cache=None,
):
    """Ants vs bees from k photos per class (hymenoptera), accuracy %.

    For each k and each draw ``r`` (``r = 0 .. repeats - 1``, the seed), k
    photos per class are drawn from ``train/``; every method is trained on
    them and scored on ``val/``. Rows: logistic regression on 32x32 pixels,
    a small CNN trained from scratch (``cnn_epochs`` epochs of Adam, random
    flips, 64x64 inputs, seeded), and for each backbone a logistic
    regression on its frozen features (``Backbone.encode``, cached: each
    photo is encoded once for all draws). Both logistic regressions
    take the features as they are (standardising them with statistics of
    2 x k photos hurt at small k: 63.5 % instead of 86.5 % for Lite0 at
    k = 2) and choose ``C`` in ``C_GRID`` by stratified
    cross-validation on the training photos only.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data folder; else ``TRANSFERKIT_DATA``.
    repeats : int, default=5
        Draws per k.
    shots : tuple of int, default=(10, 20, 40)
        Photos per class.
    backbones : tuple of str, default=("efficientnet_lite0", \
"efficientnet_lite1", "efficientnet_lite2")
        Names from :func:`transferkit.parameter.backbones.get_backbone`.
        With all three, a last row gives the ``finetune-images`` command's
        default: for each draw, each backbone's probe with its ``C`` chosen
        by cross-validation on the training photos only
        (:func:`transferkit.parameter._image_probes.cross_validate_probes`),
        the three probes' probabilities averaged, scored on ``val/``.
    max_val_per_class : int, default=None
        Score on only the first photos of each class of ``val/`` (for quick
        checks); all 153 when None.
    cnn_epochs : int, default=30
        Training epochs of the small CNN.
    feature_cache : str or path-like, default=None
        Folder of an on-disk cache of the frozen features, keyed by file
        content (:func:`transferkit.benchmarks._image_features.cached_features`);
        None: every photo is encoded in this run (each once).
    torch_threads : int or None, default=1
        torch's intra-op threads while the benchmark runs, restored after
        (None: leave them). On a loaded 2-core machine two threads trained
        the CNN 6.7x slower than one (25 s against 3.7 s for 5 epochs of
        80 photos).

    Returns
    -------
    tables : list of BenchmarkTable
        One table: accuracy mean ± std over the draws per k, and the seconds
        each row took in all (encoding included).
    """
    with _torch_threads(torch_threads):
        return _images_tables(
            data_home,
            repeats,
            shots,
            backbones,
            max_val_per_class,
            cnn_epochs,
            torch_threads,
            feature_cache,
        )


def _images_tables(
    data_home,
    repeats,
    shots,
    backbones,
    max_val_per_class,
    cnn_epochs,
    threads,
    feature_cache=None,
):
    from ..parameter._image_folder import ImageFolder
    from ..parameter.backbones import get_backbone

    root = get_data_home(data_home) / "images" / "hymenoptera"
    train = ImageFolder(root / "train", decode=False)
    val = ImageFolder(root / "val", decode=False)
    val_idx = np.arange(len(val))
    if max_val_per_class is not None:
        val_idx = np.concatenate(
            [np.flatnonzero(val.targets == c)[:max_val_per_class] for c in val.classes]
        )
    y_val = val.targets[val_idx]
    val_paths = [val.paths[i] for i in val_idx]
    shots = tuple(int(k) for k in shots)
    draws = {
        (k, r): draw_shots(train.targets, k, r) for k in shots for r in range(repeats)
    }
    used = np.unique(np.concatenate(list(draws.values())))
    rows = []
    current_draw = {}

    def run_row(name, fit_predict, prepare):
        start = time.perf_counter()
        X_train, X_val = prepare()
        scores = {k: [] for k in shots}
        for (k, r), idx in draws.items():
            current_draw["idx"] = idx
            X_draw = None if X_train is None else X_train[idx]
            predicted = fit_predict(X_draw, train.targets[idx], X_val, r)
            scores[k].append(float(np.mean(predicted == y_val)))
        seconds = time.perf_counter() - start
        rows.append((name, [_cell(scores[k]) for k in shots] + [round(seconds, 1)]))
        return scores

    def probe_predict(X, y, X_test, seed):
        with threadpool_limits(1):
            return _probe(X, y, seed).predict(X_test)

    def images_at(size):
        def prepare():
            X_train = np.zeros((len(train),) + (size, size, 3), np.float32)
            X_train[used] = _pixels([train.paths[i] for i in used], size)
            return X_train, _pixels(val_paths, size)

        return prepare

    def flat(prepare):
        def wrapped():
            X_train, X_val = prepare()
            return X_train.reshape(len(X_train), -1), X_val.reshape(len(X_val), -1)

        return wrapped

    run_row("LR on 32x32 pixels", probe_predict, flat(images_at(32)))
    run_row(
        "small CNN from scratch",
        lambda X, y, Xv, seed: _fit_small_cnn(X, y, Xv, seed, epochs=cnn_epochs),
        images_at(64),
    )
    rates = []
    encoded_features, chosen = {}, []

    def command_predict(X, y, X_test, seed):
        # X is None: the row reads every backbone's features of this draw
        from ..parameter._image_probes import (
            average_probabilities,
            cross_validate_probes,
            fit_probe,
        )

        idx = current_draw["idx"]
        by_backbone = {
            name: encoded_features[name][0][idx] for name in COMMAND_BACKBONES
        }
        with threadpool_limits(1):
            results = cross_validate_probes(by_backbone, y, cv=5, random_state=0)
            probas, classes = [], None
            for name, result in results.items():
                C = result.best_C
                probe = fit_probe(by_backbone[name], y, C)
                probas.append(probe.predict_proba(encoded_features[name][1]))
                classes = probe.classes_
            chosen.append("/".join(f"{r.best_C:g}" for r in results.values()))
            return classes[average_probabilities(probas).argmax(1)]

    for name in backbones:
        body = get_backbone(name)

        def encoded(body=body, name=name):
            X_train = np.zeros((len(train), body.feature_dim), np.float32)
            t0 = time.perf_counter()
            if feature_cache is None:
                X_train[used] = train.features(body, indices=used)
                X_val = body.encode(val_paths)
            else:
                from ._image_features import cached_features

                X_train[used] = cached_features(
                    body, [train.paths[i] for i in used], feature_cache
                )
                X_val = cached_features(body, val_paths, feature_cache)
            rates.append(
                (name, (len(used) + len(val_paths)) / (time.perf_counter() - t0))
            )
            encoded_features[name] = (X_train, X_val)
            return X_train, X_val

        run_row(f"frozen {name} + LR", probe_predict, encoded)
        body.clear_cache()

    if set(backbones) >= set(COMMAND_BACKBONES):
        run_row(
            "finetune-images default (mean of the three probes' probabilities, "
            "each C by CV on the training photos)",
            command_predict,
            lambda: (None, None),
        )

    reference = "; ".join(
        f"{row}: " + ", ".join(f"k={k} {v}" for k, v in ref.items())
        for row, ref in PROJECT_REFERENCE.items()
    )
    table = BenchmarkTable(
        title=(
            "hymenoptera (ants vs bees): train on k photos per class from train/, "
            f"accuracy (%) on {len(val_paths)} val/ photos, mean ± std over "
            f"{repeats} draws"
        ),
        columns=[f"k = {k}" for k in shots] + ["seconds"],
        rows=rows,
        notes=(
            "Draw r uses seed r (numpy default_rng) for the photos and the CNN. "
            "Preprocessing: shorter side S*256/224, centre crop S (S = 224 / 240 / "
            "260 for Lite0 / 1 / 2; 32 and 64 for the pixel and CNN rows), RGB "
            "scaled to [-1, 1]. Logistic regressions on the raw features, C in "
            f"{list(C_GRID)} chosen by stratified {min(5, min(shots))}-fold CV on "
            "the training photos only. Small CNN: 3 conv-BN-ReLU-pool stages "
            f"(16/32/64), {cnn_epochs} epochs of Adam (lr 3e-3, batch 16), random "
            "flips. Seconds: the whole row, all draws, feature extraction "
            "included (each photo encoded once, cached). "
            + (
                "Features read from the on-disk feature cache (encoded in an "
                "earlier run)"
                if feature_cache is not None
                else "Encoding speed (images/s, this run, torch threads: "
                f"{threads or 'default'}): "
                + ", ".join(f"{n} {r:.1f}" for n, r in rates)
            )
            + ". The photos come from ImageNet, so part of a backbone's score may "
            "be overlap with its pretraining data (ImageNet-1k also has the "
            "classes 'ant' and 'bee'). Measured earlier for this project "
            f"(docs/references.md): {reference}."
            + (
                " finetune-images default, each probe's C (Lite2/Lite1/Lite0) per "
                "draw (k, draw order): " + ", ".join(chosen) + "."
                if chosen
                else ""
            )
        ),
    )
    return [table]
