"""Frozen-backbone linear probes whose class probabilities are averaged."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from ._image_probes import PROBE_C_GRID, cross_validate_probes

__all__ = ["ProbeEnsemble"]

FORMAT = "transferkit.ProbeEnsemble/1"

#: The default backbones, in the order the members are kept.
DEFAULT_BACKBONES = ("efficientnet_lite2", "efficientnet_lite1", "efficientnet_lite0")


def _name(backbone):
    return backbone if isinstance(backbone, str) else backbone.name


class ProbeEnsemble(ClassifierMixin, BaseEstimator):
    """Average of linear probes on several frozen pretrained backbones.

    Each backbone encodes the photos once (frozen, in eval mode); a
    logistic regression (a *linear probe*) is fitted on each backbone's
    features with its ``C`` chosen by stratified cross-validation on the
    training photos only (highest accuracy, ties to the smaller ``C``); the
    ensemble predicts the mean of the probes' class probabilities. Averaging
    the probabilities of models with different errors is the oldest
    variance-reduction device of the field (Dietterich, 2000); with a few
    photos per class, the backbones' cross-validated accuracies differ by
    less than their noise, so choosing one by CV often picks the wrong one,
    while the average is rarely far from the best (measured on four photo
    sets by ``benchmark images-rules``).

    ``X`` is a list of image files, not an array, and there is no ``Xt``:
    this is the target-only model that ``finetune-images`` saves, so
    scikit-learn's estimator checks (which feed numeric arrays) do not apply
    to it; ``tests/parameter`` tests it on generated photos instead.

    Parameters
    ----------
    backbones : sequence of str or Backbone, default=("efficientnet_lite2", \
"efficientnet_lite1", "efficientnet_lite0")
        Names for :func:`~transferkit.parameter.backbones.get_backbone`, or
        image backbones (their feature caches are reused).
    C_grid : sequence of float, default=(0.01, 0.1, 1.0)
        Inverse regularisation strengths tried for every probe.
    cv : int, default=5
        Stratified folds (at most the smallest class count).
    random_state : int, default=0
        Seed of the folds; every backbone is cross-validated on the same.

    Attributes
    ----------
    members_ : list of FineTuner
        One fitted ``strategy="linear_probe"`` FineTuner per backbone.
    probe_C_ : dict of str to float
        The ``C`` kept per backbone.
    cv_results_ : dict of str to ProbeCV
        Out-of-fold probabilities per backbone and ``C`` (not saved).
    classes_ : ndarray
        The labels.

    See Also
    --------
    FineTuner : one backbone, linear probe or fine-tuning.

    References
    ----------
    .. [1] T. G. Dietterich. "Ensemble Methods in Machine Learning". Multiple
       Classifier Systems, 2000.
    .. [2] S. Kornblith, J. Shlens, Q. V. Le. "Do Better ImageNet Models
       Transfer Better?". CVPR 2019 (the linear probe on frozen features).

    Examples
    --------
    >>> import os, tempfile
    >>> from PIL import Image
    >>> from transferkit.parameter import ProbeEnsemble
    >>> folder = tempfile.mkdtemp()
    >>> photos, labels = [], []
    >>> for i, (label, colour) in enumerate([("red", (200, 30, 30))] * 3
    ...                                     + [("blue", (30, 30, 200))] * 3):
    ...     photos.append(os.path.join(folder, f"{i}.png"))
    ...     labels.append(label)
    ...     Image.new("RGB", (64, 64), colour).save(photos[-1])
    >>> model = ProbeEnsemble(backbones=("efficientnet_lite0",), cv=3)
    >>> model.fit(photos, labels).predict(photos[:1]).tolist()
    ['red']
    """

    def __init__(
        self, backbones=DEFAULT_BACKBONES, C_grid=PROBE_C_GRID, cv=5, random_state=0
    ):
        self.backbones = backbones
        self.C_grid = C_grid
        self.cv = cv
        self.random_state = random_state

    def _bodies(self):
        from .backbones import get_backbone

        if isinstance(self.backbones, str) or not len(self.backbones):
            raise ValueError(
                "backbones must be a non-empty sequence of backbone names or "
                f"image backbones, got {self.backbones!r}"
            )
        bodies = []
        for b in self.backbones:
            body = get_backbone(b) if isinstance(b, str) else b
            if getattr(body, "input_kind", None) != "image":
                raise ValueError(f"backbones: {_name(b)!r} is not an image backbone")
            bodies.append(body)
        return bodies

    def fit(self, X, y):
        """Encode ``X`` with every backbone, choose each ``C``, fit the probes.

        Parameters
        ----------
        X : list of str or path-like
            Image files.
        y : array-like of shape (n_photos,)

        Returns
        -------
        self : ProbeEnsemble
        """
        from ._finetuner import FineTuner

        if isinstance(X, (str, bytes)):
            raise TypeError("X must be a list of images, not a single path")
        X = list(X)
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != len(X):
            raise ValueError(
                f"y must be 1-d with one label per image ({len(X)}), got shape "
                f"{y.shape}"
            )
        bodies = self._bodies()
        features = {body.name: body.encode(X, cache=True) for body in bodies}
        self.cv_results_ = cross_validate_probes(
            features, y, C_grid=self.C_grid, cv=self.cv, random_state=self.random_state
        )
        self.probe_C_ = {n: r.best_C for n, r in self.cv_results_.items()}
        self.members_ = []
        for body in bodies:
            member = FineTuner(
                module=body,
                strategy="linear_probe",
                probe_C=self.probe_C_[body.name],
                pretrain=False,
                copy=False,  # the body stays frozen; its cached features serve
                random_state=self.random_state,
            )
            self.members_.append(member.fit(None, None, Xt=X, yt=y))
        self.classes_ = self.members_[0].classes_
        return self

    def predict_proba(self, X):
        """The mean of the members' class probabilities.

        Parameters
        ----------
        X : list of str or path-like
            Image files.

        Returns
        -------
        proba : ndarray of shape (n_photos, n_classes)
        """
        check_is_fitted(self, "members_")
        return np.mean([m.predict_proba(X) for m in self.members_], axis=0)

    def predict(self, X):
        """The class of highest mean probability."""
        return self.classes_[self.predict_proba(X).argmax(1)]

    def save(self, path):
        """Write every member (weights and parameters) to one file.

        The file holds only tensors, numbers, strings and lists (as
        :meth:`FineTuner.save`), read back by :meth:`load` with
        ``torch.load(weights_only=True)``.
        """
        import torch

        from ._persistence import finetuner_payload

        check_is_fitted(self, "members_")
        torch.save(
            {
                "format": FORMAT,
                "params": {
                    "backbones": [_name(b) for b in self.backbones],
                    "C_grid": [float(c) for c in self.C_grid],
                    "cv": int(self.cv),
                    "random_state": self.random_state,
                },
                "probe_C_": {k: float(v) for k, v in self.probe_C_.items()},
                "members": [finetuner_payload(m) for m in self.members_],
            },
            path,
        )

    @classmethod
    def load(cls, path, device="cpu"):
        """Read a file written by :meth:`save`."""
        import torch

        payload = torch.load(path, map_location="cpu", weights_only=True)
        return cls._from_payload(payload, path, device)

    @classmethod
    def _from_payload(cls, payload, path, device="cpu"):
        from ._finetuner import FineTuner
        from ._persistence import finetuner_from_payload

        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise ValueError(
                f"{path!s} is not a file written by ProbeEnsemble.save (format "
                f"{FORMAT!r} expected)."
            )
        params = dict(payload["params"])
        params["backbones"] = tuple(params["backbones"])
        params["C_grid"] = tuple(params["C_grid"])
        model = cls(**params)
        model.members_ = [
            finetuner_from_payload(FineTuner, p, path, device=device)
            for p in payload["members"]
        ]
        model.probe_C_ = dict(payload["probe_C_"])
        model.classes_ = model.members_[0].classes_
        return model
