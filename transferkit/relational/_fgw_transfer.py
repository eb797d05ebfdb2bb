"""Label transfer between graphs whose node features live in different spaces."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..base import TransferMixin

__all__ = ["FGWStructureTransfer"]


def _structure(X, graph):
    """Intra-domain structure matrix, scaled to [0, 1]."""
    if graph is not None:
        from scipy.sparse.csgraph import shortest_path

        G = sp.csr_matrix(graph)
        if G.shape[0] != G.shape[1] or G.shape[0] != X.shape[0]:
            raise ValueError(
                f"the graph has shape {G.shape}, expected ({X.shape[0]}, "
                f"{X.shape[0]}) for {X.shape[0]} nodes"
            )
        D = shortest_path(G, directed=False, unweighted=True)
        finite = np.isfinite(D)
        D[~finite] = (D[finite].max() + 1) if finite.any() else 1.0
    else:
        sq = np.sum(X * X, axis=1)
        D = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * X @ X.T, 0.0))
    m = D.max()
    return D / m if m > 0 else D


def _profiles(C):
    """Node descriptors comparable across spaces: quantiles of each row of C."""
    return np.quantile(C, [0.1, 0.25, 0.5, 0.75, 0.9], axis=1).T


class FGWStructureTransfer(TransferMixin, ClassifierMixin, BaseEstimator):
    """Move node labels from a source graph to a target graph by fused GW.

    The two domains' nodes may have features of different dimensions (a
    heterogeneous transfer): only their *structure* is compared. Each domain
    gets a structure matrix ``C`` (shortest-path hops on a given ``graph``, or
    Euclidean distances between its own node features, scaled to [0, 1]) and
    node descriptors that live in a shared space (quantiles of each node's
    row of ``C``). A fused Gromov-Wasserstein coupling ``T`` (Vayer et al.,
    ICML 2019; POT) matches the nodes, ``alpha`` weighing structure against
    descriptors; labels then move through it:
    ``P(target node j has class c) ∝ sum_i T_ij [y_i = c]``.

    Parameters
    ----------
    alpha : float, default=0.5
        Weight of the structure term (1: pure Gromov-Wasserstein).
    epsilon : float, default=0.0
        Entropic regularisation; ``> 0`` uses POT's entropic (Sinkhorn-based)
        solver, faster on large graphs.
    solver : {"auto", "exact", "entropic", "quantized"}, default="auto"
        ``"auto"``: ``"exact"`` (conditional gradient) when ``epsilon == 0``,
        else ``"entropic"``; both when both graphs have at most
        ``max_nodes`` nodes, else ``"quantized"``. ``"quantized"`` couples
        ``n_clusters`` k-means clusters of each domain (by cluster-level
        structure and descriptors), then spreads each cluster's labels to its
        nodes: for graphs of any size.
    max_nodes : int, default=2000
        Largest graph the exact / entropic solvers take (they hold dense
        ``n_s x n_t`` and ``n x n`` matrices); above it ``solver="exact"`` or
        ``"entropic"`` raise a ``ValueError`` that names ``"quantized"``.
    n_clusters : int, default=100
        Clusters per domain of the quantised solver.
    random_state : int, RandomState or None, default=None
        Seeds k-means of the quantised solver.

    Attributes
    ----------
    coupling_ : ndarray of shape (n_source, n_target)
        The coupling (cluster-level for the quantised solver).
    transduction_ : ndarray of shape (n_target,)
        Labels moved to the target nodes.
    label_distributions_ : ndarray of shape (n_target, n_classes)
    classes_ : ndarray
    solver_ : str
        The solver used.

    Notes
    -----
    ``fit(X, y, Xt)`` is transductive: the target nodes are ``Xt``;
    ``predict(X_new)`` gives each new target-space point the label of its
    nearest target node. ``Xt=None`` means the target is the source: the
    coupling is the identity. Pass graphs with ``fit(..., graph=A_s,
    graph_t=A_t)``.

    Examples
    --------
    >>> import numpy as np
    >>> from transferkit.relational import FGWStructureTransfer
    >>> rng = np.random.default_rng(0)
    >>> Xs = rng.normal(size=(20, 2)); ys = (Xs[:, 0] > 0).astype(int)
    >>> perm = rng.permutation(20)
    >>> Q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    >>> Xt = np.c_[Xs, np.zeros(20)][perm] @ Q   # same cloud, 3-D, rotated
    >>> model = FGWStructureTransfer().fit(Xs, ys, Xt)
    >>> bool((model.transduction_ == ys[perm]).all())
    True
    """

    _parameter_constraints = {
        "alpha": [Interval(Real, 0, 1, closed="both")],
        "epsilon": [Interval(Real, 0, None, closed="left")],
        "solver": [StrOptions({"auto", "exact", "entropic", "quantized"})],
        "max_nodes": [Interval(Integral, 1, None, closed="left")],
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        alpha=0.5,
        epsilon=0.0,
        solver="auto",
        max_nodes=2000,
        n_clusters=100,
        random_state=None,
    ):
        self.alpha = alpha
        self.epsilon = epsilon
        self.solver = solver
        self.max_nodes = max_nodes
        self.n_clusters = n_clusters
        self.random_state = random_state

    def fit(self, X, y, Xt=None, yt=None, graph=None, graph_t=None):
        """Couple the graphs and move the labels.

        Parameters
        ----------
        X : array-like of shape (n_source, d_source)
            Source node features.
        y : array-like of shape (n_source,)
            Source node labels.
        Xt : array-like of shape (n_target, d_target), default=None
            Target node features (any dimension); ``None``: the source.
        yt : ignored
        graph, graph_t : sparse or dense (n, n) adjacency, default=None
            The graphs; ``None`` uses feature distances as structure.

        Returns
        -------
        self : object
        """
        self._validate_params()
        X, y = validate_data(self, X, y, reset=True)
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        onehot = np.eye(len(self.classes_))[y_idx]
        if Xt is None:
            if graph_t is not None:
                raise ValueError("graph_t was given without Xt")
            self.Xt_ = X
            self.solver_ = "identity"
            self.coupling_ = np.eye(X.shape[0]) / X.shape[0]
            self.label_distributions_ = onehot
        else:
            from sklearn.utils import check_array

            Xt = check_array(Xt, input_name="Xt")
            self.Xt_ = Xt
            ns, nt = X.shape[0], Xt.shape[0]
            solver = self.solver
            if solver == "auto":
                big = max(ns, nt) > self.max_nodes
                solver = (
                    "quantized"
                    if big
                    else ("entropic" if self.epsilon > 0 else "exact")
                )
            if solver in ("exact", "entropic") and max(ns, nt) > self.max_nodes:
                raise ValueError(
                    f"graphs of {ns} and {nt} nodes exceed max_nodes={self.max_nodes} "
                    f"for solver={solver!r} (dense {ns} x {nt} coupling): use "
                    "solver='quantized' (k-means clusters, any size) or raise "
                    "max_nodes"
                )
            if solver == "entropic" and self.epsilon == 0:
                raise ValueError("solver='entropic' needs epsilon > 0")
            self.solver_ = solver
            Cs, Ct = _structure(X, graph), _structure(Xt, graph_t)
            if solver == "quantized":
                self._fit_quantized(X, Xt, Cs, Ct, onehot)
            else:
                T = self._couple(Cs, Ct, solver)
                self.coupling_ = T
                self.label_distributions_ = _normalise(T.T @ onehot)
        self.transduction_ = self.classes_[np.argmax(self.label_distributions_, axis=1)]
        return self

    def _couple(self, Cs, Ct, solver, ps=None, pt=None):
        import ot

        ps = np.full(Cs.shape[0], 1.0 / Cs.shape[0]) if ps is None else ps
        pt = np.full(Ct.shape[0], 1.0 / Ct.shape[0]) if pt is None else pt
        Fs, Ft = _profiles(Cs), _profiles(Ct)
        M = ot.dist(Fs, Ft)
        M = M / M.max() if M.max() > 0 else M
        if solver == "entropic":
            return np.asarray(
                ot.gromov.entropic_fused_gromov_wasserstein(
                    M,
                    Cs,
                    Ct,
                    ps,
                    pt,
                    loss_fun="square_loss",
                    epsilon=self.epsilon,
                    alpha=self.alpha,
                )
            )
        return np.asarray(
            ot.gromov.fused_gromov_wasserstein(
                M, Cs, Ct, ps, pt, loss_fun="square_loss", alpha=self.alpha
            )
        )

    def _fit_quantized(self, X, Xt, Cs, Ct, onehot):
        from sklearn.cluster import KMeans
        from sklearn.utils import check_random_state

        rng = check_random_state(self.random_state)
        parts = []
        for Z in (X, Xt):
            k = min(self.n_clusters, Z.shape[0])
            km = KMeans(k, n_init=1, random_state=rng.randint(2**31 - 1)).fit(Z)
            parts.append(km.labels_)
        ls, lt = parts
        ks, kt = ls.max() + 1, lt.max() + 1

        def reduce(C, lab, k):
            S = sp.csr_matrix(
                (np.ones(len(lab)), (lab, np.arange(len(lab)))), shape=(k, len(lab))
            )
            counts = np.asarray(S.sum(axis=1)).ravel()
            Cq = (S @ C @ S.T) / np.maximum(np.outer(counts, counts), 1)
            return np.asarray(Cq), counts / counts.sum()

        Cqs, ps = reduce(Cs, ls, ks)
        Cqt, pt = reduce(Ct, lt, kt)
        T = self._couple(Cqs, Cqt, "entropic" if self.epsilon > 0 else "exact", ps, pt)
        self.coupling_ = T
        cluster_labels = np.zeros((ks, onehot.shape[1]))
        np.add.at(cluster_labels, ls, onehot)
        dist_t = _normalise(T.T @ _normalise(cluster_labels))
        self.label_distributions_ = dist_t[lt]

    def predict_proba(self, X):
        """Label distribution of the nearest target node of each row."""
        check_is_fitted(self, "label_distributions_")
        X = (
            validate_data(self, X, reset=False)
            if self.solver_ == "identity"
            else _check_t(self, X)
        )
        from sklearn.metrics import pairwise_distances_argmin

        nearest = pairwise_distances_argmin(X, self.Xt_)
        return self.label_distributions_[nearest]

    def predict(self, X):
        """Label of the nearest target node of each row."""
        check_is_fitted(self, "label_distributions_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def _check_t(est, X):
    from sklearn.utils import check_array

    X = check_array(X, input_name="X")
    if X.shape[1] != est.Xt_.shape[1]:
        raise ValueError(
            f"X has {X.shape[1]} features, but the target nodes Xt had "
            f"{est.Xt_.shape[1]}"
        )
    return X


def _normalise(P):
    s = P.sum(axis=1, keepdims=True)
    return np.where(s > 0, P / np.where(s > 0, s, 1), 1.0 / P.shape[1])
