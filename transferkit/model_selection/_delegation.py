"""Prediction methods that a selector delegates to its chosen candidate."""

from __future__ import annotations

from sklearn.utils.metaestimators import available_if

__all__ = ["BestEstimatorDelegationMixin"]


def _best_has(attribute):
    """Available when the chosen candidate (or, unfitted, every candidate) has it."""

    def check(self):
        if hasattr(self, "best_estimator_"):
            return hasattr(self.best_estimator_, attribute)
        return all(hasattr(est, attribute) for _, est in self._unfitted_candidates())

    return check


class BestEstimatorDelegationMixin:
    """``predict``, ``predict_proba`` and ``decision_function`` of ``best_estimator_``.

    The selector provides ``_check_X(X)`` (fitted check and input validation)
    and ``_unfitted_candidates()`` (the ``(name, estimator)`` list it would
    score).
    """

    def predict(self, X):
        """Predict with the chosen, refitted candidate.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, usually from the target domain.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        X = self._check_X(X)
        return self.best_estimator_.predict(X)

    @available_if(_best_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of the chosen candidate.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        X = self._check_X(X)
        return self.best_estimator_.predict_proba(X)

    @available_if(_best_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the chosen candidate.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        X = self._check_X(X)
        return self.best_estimator_.decision_function(X)
