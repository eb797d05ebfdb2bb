"""A minimal Xt-consuming transformer that records what it was given."""

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from transferkit.base import TransferTransformerMixin


class RecordingShift(TransferTransformerMixin, BaseEstimator):
    """Centres source on the source mean and target on the target mean.

    Keeps a copy of the ``Xt`` it received in ``seen_Xt_``.
    """

    def _fit(self, X, y=None, Xt=None, yt=None):
        data = self._check_source_target(X, y, Xt, yt)
        self.seen_Xt_ = np.array(data.Xt, copy=True)
        self.source_mean_ = data.X.mean(axis=0)
        self.target_mean_ = data.Xt.mean(axis=0)
        return data.X - self.source_mean_

    def transform(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return X - self.target_mean_
