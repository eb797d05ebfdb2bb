"""Fine-tuning and deep domain adaptation of PyTorch modules: FineTuner."""

from __future__ import annotations

import copy as copy_module
import logging
import numbers
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from ..utils.validation import check_source_target

logger = logging.getLogger("transferkit")

__all__ = ["FineTuner", "FineTunerRegressor"]

STRATEGIES = ("linear_probe", "full", "lp_ft", "gradual_unfreeze", "surgical", "auto")
REGULARIZERS = ("l2_sp", "delta", "bss", "lwf")
ALIGNMENTS = ("coral", "mmd", "dann")
#: The regularisers' strengths in their papers: (alpha, beta) for L2-SP and
#: DELTA (body, new head), eta for BSS, lambda_o for LwF.
PAPER_STRENGTHS = {
    "l2_sp": (0.01, 0.01),
    "delta": (0.01, 0.01),
    "bss": 0.001,
    "lwf": 1.0,
}
#: The candidates of ``strategy="auto"``: the target-only ones (the guard's
#: baseline is the better of them) first.
AUTO_CANDIDATES = ("target_only", "target_linear", "linear_probe", "lp_ft", "source")


def _unlabelled_rows(labels):
    """Rows of ``yt`` marked unlabelled: ``NaN``, or ``None`` in an object array.

    Only a missing value marks a row, so that every label a scikit-learn
    classifier accepts (``-1`` included) stays a label.
    """
    labels = np.asarray(labels)
    if labels.dtype.kind == "f":
        return np.isnan(labels)
    if labels.dtype.kind == "O":
        return np.array(
            [v is None or (isinstance(v, float) and v != v) for v in labels],
            dtype=bool,
        )
    return np.zeros(labels.shape[0], dtype=bool)


def _known_labels(labels, mask, task):
    """The labelled rows' labels; integral floats of a classifier become ints.

    ``NaN`` forces a float array, so the class labels ``0., 1.`` of a partly
    labelled ``yt`` are read back as the integers they stand for.
    """
    known = labels[mask]
    if task == "classification" and not mask.all():
        if known.dtype.kind == "f" and np.all(known == np.round(known)):
            known = known.astype(np.int64)
        elif known.dtype.kind == "O":
            known = np.asarray(known.tolist())
    return known


class _BaseFineTuner(BaseEstimator):
    """Everything the classifier and the regressor share."""

    __metadata_request__fit = {"Xt": True, "yt": True}

    _parameter_constraints: dict = {
        "module": "no_validation",
        "head": [None, str],
        "strategy": [StrOptions(set(STRATEGIES))],
        "regularizer": [None, StrOptions(set(REGULARIZERS))],
        "reg_strength": [None, Interval(Real, 0, None, closed="left"), tuple, list],
        "alignment": [None, StrOptions(set(ALIGNMENTS))],
        "alignment_weight": [Interval(Real, 0, None, closed="left")],
        "alignment_check": ["boolean"],
        "pretrain": ["boolean", StrOptions({"auto"})],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "lr_decay": [None, Interval(Real, 1, None, closed="left")],
        "ft_lr_factor": [Interval(Real, 0, None, closed="neither")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "optimizer": [StrOptions({"adamw", "adam", "sgd"})],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "augment": [None, "boolean", callable],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "early_stopping": ["boolean"],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": [tuple, list],
        "blocks": [None, tuple, list, str],
        "probe_C": [Interval(Real, 0, None, closed="neither")],
        "candidates": [None, tuple, list],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "device": "no_validation",
        "copy": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        module=None,
        *,
        head="auto",
        strategy="lp_ft",
        regularizer=None,
        reg_strength=None,
        alignment=None,
        alignment_weight=1.0,
        alignment_check=True,
        pretrain="auto",
        lr=1e-3,
        lr_decay=None,
        ft_lr_factor=0.1,
        epochs=50,
        batch_size=32,
        optimizer="adamw",
        weight_decay=0.0,
        augment=None,
        validation_fraction=0.1,
        early_stopping=True,
        n_iter_no_change=10,
        hidden_layer_sizes=(100,),
        blocks=None,
        probe_C=1.0,
        candidates=None,
        cv=5,
        device="auto",
        copy=True,
        random_state=None,
        verbose=False,
    ):
        self.module = module
        self.head = head
        self.strategy = strategy
        self.regularizer = regularizer
        self.reg_strength = reg_strength
        self.alignment = alignment
        self.alignment_weight = alignment_weight
        self.alignment_check = alignment_check
        self.pretrain = pretrain
        self.lr = lr
        self.lr_decay = lr_decay
        self.ft_lr_factor = ft_lr_factor
        self.epochs = epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.augment = augment
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.hidden_layer_sizes = hidden_layer_sizes
        self.blocks = blocks
        self.probe_C = probe_C
        self.candidates = candidates
        self.cv = cv
        self.device = device
        self.copy = copy
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit

    def fit(self, X=None, y=None, Xt=None, yt=None):
        """Pretrain on the source and/or fine-tune on the target.

        Parameters
        ----------
        X : array-like, tensor, Dataset, list of str, or None
            Source inputs. ``None`` takes the module as already pretrained
            (the "reuse a published model" path).
        y : array-like of shape (n_source,), default=None
            Source labels (read from ``X`` when it is a Dataset of
            ``(input, label)`` pairs).
        Xt : same kinds as ``X``, default=None
            Target inputs. ``None`` means no shift: the source is the target.
        yt : array-like of shape (n_target,), default=None
            Target labels. Without them the target is unlabelled and used by
            the ``alignment`` loss only. ``NaN`` (or ``None`` in an object
            array) marks an unlabelled target row (semi-supervised: all rows
            are aligned, the labelled ones are fine-tuned on); every other
            value, ``-1`` included, is a label.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        from ._torch import (
            import_torch,
            isolated_torch_state,
            resolve_device,
            seed_from,
        )

        validate_parameter_constraints(
            self._parameter_constraints,
            self.get_params(deep=False),
            caller_name=type(self).__name__,
        )
        torch = import_torch()
        self._check_options()
        device = resolve_device(self.device)
        seed = seed_from(self.random_state)
        with isolated_torch_state(seed, device):
            generator = torch.Generator().manual_seed(seed)
            self._fit(X, y, Xt, yt, device, generator, seed)
        return self

    def _check_options(self):
        if self.alignment is not None and self.batch_size < 2:
            raise ValueError(
                f"alignment={self.alignment!r} compares batches of source and "
                "target features and needs batch_size >= 2, got "
                f"batch_size={self.batch_size}."
            )
        if self.reg_strength is not None and isinstance(
            self.reg_strength, (tuple, list)
        ):
            if len(self.reg_strength) != 2:
                raise ValueError(
                    "reg_strength must be a float or an (alpha, beta) pair, got "
                    f"{self.reg_strength!r}."
                )
            for part, value in zip(("alpha", "beta"), self.reg_strength):
                if (
                    not isinstance(value, Real)
                    or isinstance(value, bool)
                    or not np.isfinite(value)
                    or value < 0
                ):
                    raise ValueError(
                        f"reg_strength's {part} must be a finite non-negative "
                        f"number, got {value!r} in {self.reg_strength!r}."
                    )
        if self.candidates is not None:
            unknown = set(self.candidates) - set(AUTO_CANDIDATES)
            if unknown or not self.candidates:
                raise ValueError(
                    f"candidates must be a non-empty subset of {AUTO_CANDIDATES}, "
                    f"got {self.candidates!r}."
                )
        if not all(
            isinstance(h, numbers.Integral) and h > 0 for h in self.hidden_layer_sizes
        ):
            raise ValueError(
                "hidden_layer_sizes must be a tuple of positive integers, got "
                f"{self.hidden_layer_sizes!r}."
            )

    def _validate_inputs(self, X, y, Xt, yt):
        """InputSets and label arrays for source and target, with named errors."""
        import torch

        from ._inputs import as_input_set, check_same_sample_shape, dataset_labels

        module = self.module
        kind = (
            getattr(module, "input_kind", "tensor") if module is not None else "tensor"
        )
        task = self._task
        tabular = module is None or (
            kind == "tensor"
            and not any(
                isinstance(a, torch.utils.data.Dataset) or torch.is_tensor(a)
                for a in (X, Xt)
            )
            and all(a is None or np.ndim(a) == 2 for a in (X, Xt))
        )
        if X is None and Xt is None:
            raise ValueError(
                f"{type(self).__name__}.fit needs data: give the source X, y, or "
                "the labelled target Xt, yt."
            )
        if X is None and y is not None:
            raise ValueError("y was given without X; pass the source inputs X too.")
        if tabular:
            if X is not None:
                data = check_source_target(
                    self,
                    X,
                    y,
                    Xt,
                    None,
                    task=task,
                    require_y=True,
                    min_classes=2 if task == "classification" else 1,
                    dtype=[np.float32, np.float64],
                )
                Xs_arr = data.X
                Xt_arr = None if data.no_shift else data.Xt
                y = data.y
            else:
                Xs_arr = None
                Xt_arr = validate_data(
                    self, Xt, dtype=[np.float32, np.float64], reset=True
                )
            source = None if Xs_arr is None else as_input_set(Xs_arr, "X", kind, None)
            target = None if Xt_arr is None else as_input_set(Xt_arr, "Xt", kind, None)
        else:
            source = None if X is None else as_input_set(X, "X", kind, module)
            target = None if Xt is None else as_input_set(Xt, "Xt", kind, module)
            if source is not None and y is None and source.kind == "dataset":
                y = dataset_labels(source.data)
            if target is not None and yt is None and target.kind == "dataset":
                yt = dataset_labels(target.data)
            if source is not None:
                if y is None:
                    raise ValueError(
                        f"{type(self).__name__} requires y to be passed, but the "
                        "target y is None. Pass the source labels with X."
                    )
                y = self._check_labels(y, "y", len(source))
            check_same_sample_shape(source, target)
            if source is not None and source.sample_shape is not None:
                self.n_features_in_ = int(np.prod(source.sample_shape))
        if target is not None and yt is not None:
            yt = self._check_labels(yt, "yt", len(target), allow_unlabelled=True)
        if target is None and yt is not None:
            raise ValueError(
                f"{type(self).__name__} got yt but no Xt: pass the target inputs "
                "Xt together with their labels yt."
            )
        return source, y, target, yt

    def _check_labels(self, labels, arg, n, allow_unlabelled=False):
        labels = column_or_1d(np.asarray(labels), warn=True)
        if labels.shape[0] != n:
            raise ValueError(
                f"{arg} has {labels.shape[0]} labels but its inputs have {n} rows."
            )
        unlabelled = _unlabelled_rows(labels) if allow_unlabelled else None
        known = labels if unlabelled is None else labels[~unlabelled]
        if self._task == "classification":
            check_classification_targets(known)
        else:
            labels = labels.astype(np.float64)
            if not np.all(np.isfinite(labels[~np.isnan(labels)])):
                raise ValueError(f"{arg} contains infinity.")
            if unlabelled is None and np.isnan(labels).any():
                raise ValueError(f"{arg} contains NaN.")
        return labels

    def _fit(self, X, y, Xt, yt, device, generator, seed):
        from ._fit_context import FitContext
        from ._network import build_mlp, deep_copy, output_width, split_module

        source, y, target, yt = self._validate_inputs(X, y, Xt, yt)
        labelled = None
        if target is not None and yt is not None:
            mask = self._labelled_mask(yt)
            if mask.any():
                labelled = (
                    target.subset(np.flatnonzero(mask)),
                    _known_labels(yt, mask, self._task),
                )
        pretrain = self.pretrain
        pretrained_flag = bool(getattr(self.module, "transferkit_pretrained", False))
        if pretrain == "auto":
            pretrain = source is not None and not pretrained_flag
        if pretrain and source is None:
            raise ValueError(
                "pretrain=True needs the source data: pass X and y (or use "
                "pretrain=False to take the module as already pretrained)."
            )
        if source is not None and not pretrain and labelled is not None:
            warnings.warn(
                "pretrain=False with labelled target data: the source X, y are not "
                "used (the module is taken as already pretrained).",
                UserWarning,
                stacklevel=3,
            )
        if target is not None and labelled is None and self.alignment is None:
            warnings.warn(
                "Xt was given without labels and alignment=None: the target is not "
                "used. Set alignment='coral', 'mmd' or 'dann' to adapt to it.",
                UserWarning,
                stacklevel=3,
            )
        if self.module is None:
            first = source if source is not None else target
            body, width = build_mlp(first.sample_shape[0], self.hidden_layer_sizes)
            source_head = None
        else:
            module = deep_copy(self.module) if self.copy else self.module
            body, source_head, _ = split_module(module, self.head)
            first = source if source is not None else target
            width = output_width(
                body, first.batch(np.arange(min(2, len(first))), "cpu")
            )
        body.to(device)
        if source_head is not None:
            source_head.to(device)
        self.history_ = []
        self.source_classes_ = None
        self.selection_report_ = None
        self.alignment_report_ = None
        self.selected_strategy_ = None
        self._device = device
        context = FitContext(self, device, generator, seed)
        if labelled is not None:
            context.linear_features = _target_linear_features(
                pretrained_flag, bool(pretrain), labelled[0]
            )
        if pretrain:
            network = context.pretrain_on_source(
                body, width, source_head, source, y, target
            )
            self.pretrained_ = True
        else:
            network = context.new_network(body, width, source_head)
            self.pretrained_ = False
        if labelled is not None:
            network = context.fine_tune(network, labelled[0], labelled[1], None)
        elif not pretrain:
            if source is None:
                raise ValueError(
                    f"{type(self).__name__} has no labelled data to train on: Xt was "
                    "given without yt. Pass yt, or the source X, y."
                )
            align_with = target if self.alignment is not None else None
            network = context.fine_tune(network, source, y, align_with)
        else:
            self._set_output_space(context.source_space)
            self.selected_strategy_ = "source"
        if self.module is None:
            # The built-in MLP predicts in float64, so that a row's output does
            # not depend on the other rows of its batch (float32 GEMM kernels
            # differ by batch size in the last bits).
            network = network.double()
        self.network_ = network.eval()
        return self

    def _labelled_mask(self, yt):
        return ~_unlabelled_rows(yt)

    # ------------------------------------------------------------- predict

    def _outputs(self, X):
        """The network's raw outputs on ``X`` (numpy float64)."""
        from ._training import predict_outputs

        check_is_fitted(self, "network_")
        inputs = self._prediction_inputs(X)
        outputs = predict_outputs(self.network_, inputs, self._device_of_network())
        return outputs.detach().cpu().double().numpy()

    def _device_of_network(self):
        try:
            return next(self.network_.parameters()).device
        except StopIteration:  # pragma: no cover - a network always has a head
            import torch

            return torch.device("cpu")

    def _prediction_inputs(self, X):
        import torch

        from ._inputs import as_input_set

        module = self.module
        kind = (
            getattr(module, "input_kind", "tensor") if module is not None else "tensor"
        )
        tabular = module is None or (
            kind == "tensor"
            and not isinstance(X, torch.utils.data.Dataset)
            and not torch.is_tensor(X)
            and np.ndim(X) == 2
        )
        if tabular and hasattr(self, "n_features_in_"):
            X = validate_data(self, X, dtype=[np.float32, np.float64], reset=False)
        dtype = np.float64 if module is None else np.float32
        return as_input_set(X, "X", kind, self.network_.body, dtype=dtype)

    def fit_transform(self, X=None, y=None, Xt=None, yt=None):
        """Fit, then return the body's features of the source ``X``.

        Parameters
        ----------
        X, y, Xt, yt
            As in :meth:`fit`.

        Returns
        -------
        features : ndarray of shape (n_source, n_body_features)
        """
        return self.fit(X, y, Xt, yt).transform(X)

    def transform(self, X):
        """Features of the fine-tuned body for ``X``.

        Parameters
        ----------
        X : array-like, tensor, Dataset or list of str
            Inputs of the same kind as in fit.

        Returns
        -------
        features : ndarray of shape (n_samples, n_body_features)
        """
        from ._training import encode

        check_is_fitted(self, "network_")
        inputs = self._prediction_inputs(X)
        features = encode(
            self.network_.body, inputs, self._device_of_network(), use_cache=False
        )
        return features.astype(np.float64)

    # ---------------------------------------------------------- save/load

    def save(self, path):
        """Save the fitted weights and the estimator's parameters to ``path``.

        The file is written with ``torch.save`` and holds only tensors, numbers,
        strings and lists, so :meth:`load` reads it with
        ``torch.load(weights_only=True)`` (no code is unpickled). A module of
        your own is not stored: pass it again to :meth:`load`. The file is
        written beside ``path`` and then moved onto it, so a save that fails
        half-way leaves an existing file at ``path`` intact. A ``torch.device``
        given as ``device`` is stored as its string (``"cuda:0"``); a
        ``numpy.random.RandomState`` given as ``random_state`` is stored with its
        whole state, so the loaded estimator refits as this one would have.

        Parameters
        ----------
        path : str or path-like
        """
        from ._persistence import save_finetuner

        check_is_fitted(self, "network_")
        save_finetuner(self, path)

    @classmethod
    def load(cls, path, module=None, device="cpu"):
        """Load an estimator written by :meth:`save`.

        Parameters
        ----------
        path : str or path-like
        module : torch.nn.Module, default=None
            The (unfitted) module of your own that the estimator was fitted
            with; not needed for the default MLP and for transferkit's
            backbones, which are rebuilt by name.
        device : str, default="cpu"
            Where to put the weights.

        Returns
        -------
        estimator : FineTuner or FineTunerRegressor
        """
        from ._persistence import load_finetuner

        return load_finetuner(cls, path, module=module, device=device)

    def __getstate__(self):
        state = self.__dict__.copy()
        network = state.get("network_")
        if network is not None:
            device = self._device_of_network()
            if device.type != "cpu":
                state["network_"] = copy_module.deepcopy(network).to("cpu")
        state.pop("_device", None)
        return state

    def __sklearn_tags__(self):
        from sklearn.utils import TransformerTags

        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        # ``transform`` gives the body's features (float64)
        tags.transformer_tags = TransformerTags(preserves_dtype=["float64"])
        return tags


def _target_linear_features(marked_pretrained, pretrained_here, inputs):
    """What auto's ``"target_linear"`` candidate is fitted on.

    ``"body"`` (the frozen body's features) for a module supplied pretrained
    and not trained on the source here: a published backbone's features use
    no source labels, and a linear model on them is the practitioner's
    baseline. Otherwise ``"inputs"`` for numeric inputs: a body trained on
    the source here carries the source's labels, so a linear model on its
    features is transfer (the linear probe), not target-only. ``None`` when
    neither applies (text or image paths with a body that is not supplied
    pretrained): the candidate is left out.
    """
    if marked_pretrained and not pretrained_here:
        return "body"
    if inputs.kind != "prepared":
        return "inputs"
    return None


class FineTuner(ClassifierMixin, _BaseFineTuner):
    """Fine-tune a PyTorch module on a new task, or adapt it to a new domain.

    Two paths of parameter sharing, behind one ``fit(X, y, Xt, yt)``:

    - **Develop a source model, then reuse it**: with source data ``X, y``
      (and ``pretrain="auto"`` on a module that is not marked pretrained, or
      ``pretrain=True``) the module is first trained on the source, then
      fine-tuned on the labelled target ``Xt, yt``.
    - **Reuse a published model**: ``X=None`` (or ``pretrain=False``) takes
      the module as already pretrained, e.g. a backbone from
      :mod:`transferkit.parameter.backbones`, and fine-tunes it on
      ``Xt, yt``.

    With ``Xt`` but no ``yt`` the target is unlabelled: the module is trained
    on the source while the two domains' body features are aligned by
    ``alignment`` (Deep CORAL, DAN's multi-kernel MMD, or DANN's gradient
    reversal). With a partly labelled target (``NaN`` marks unlabelled rows)
    both happen: alignment during source training, then fine-tuning on the
    labelled rows.

    Parameters
    ----------
    module : torch.nn.Module, default=None
        The network. ``None`` builds a ReLU MLP body sized from the data
        (``hidden_layer_sizes``) for tabular arrays. A module is split into a
        body and a head (see ``head``); a new linear head sized to the target
        classes is put on the body.
    head : "auto", None or str, default="auto"
        Which submodule is the task head: ``"auto"`` uses the first child
        named ``head``, ``classifier``, ``fc`` or ``output`` that is (or ends
        in) a ``Linear`` layer, else (and for transferkit backbones) the
        whole module is the body; ``None``: the whole module is the body; a
        (dotted) name: that submodule.
    strategy : {"lp_ft", "linear_probe", "full", "gradual_unfreeze", \
"surgical", "auto"}, default="lp_ft"
        What is trained on the labelled target:

        - ``"linear_probe"``: the body is frozen; the head is a scikit-learn
          ``LogisticRegression`` (L-BFGS, ``C=probe_C``) fitted on the body's
          features, computed once. When the source head predicts the same
          classes (a source model trained here), the probe's prior is that
          head instead of zero (:class:`RegularTransferClassifier` on the
          features, ``alpha = 1 / probe_C``): a documented extension, which
          keeps what the source head knows when a class has one label.
        - ``"full"``: every parameter, from a new randomly initialised head.
        - ``"lp_ft"`` (Kumar et al. 2022): the linear probe, then every
          parameter from that head, at ``ft_lr_factor`` times the rate.
        - ``"gradual_unfreeze"`` (ULMFiT, Howard & Ruder 2018): the head's
          layer group first, one more layer group unfrozen per epoch from the
          top, discriminative learning rates (``lr_decay``, 2.6 by default
          here) and the slanted triangular schedule.
        - ``"surgical"`` (Lee et al. 2023): the linear probe, then only the
          submodules named in ``blocks`` (default: the first layer group,
          the paper's choice for input-level shifts).
        - ``"auto"``: picks among two target-only candidates, the adapted
          ones and, when the source label space covers the target's, the
          source model as it is, by cross-validation on the labelled target
          (``cv`` stratified folds). The target-only candidates:
          ``"target_only"``, the same architecture trained from scratch on
          the target, and ``"target_linear"``, the classical linear model, a
          logistic regression (ridge for the regressor) with ``C`` (``alpha``)
          in ``{0.01, 0.1, 1, 10, 100}`` chosen by an inner 3-fold stratified
          cross-validation (the regressor: ``RidgeCV``'s leave-one-out) on
          each outer training fold only (no leakage into the outer scores).
          It is fitted on the inputs as given, except for
          a module supplied pretrained (``transferkit_pretrained``, e.g. a
          backbone) that is not trained on the source here: then on its
          frozen body's features, the practitioner's "frozen backbone +
          logistic regression" baseline. (A body trained on the source here
          carries the source's labels: a linear model on it is the linear
          probe, a transfer candidate.) With text or image paths and a body
          that is not supplied pretrained it is left out. The guard's
          baseline is the better of the target-only candidates by the same
          outer cross-validation (the linear model, unless the network
          from scratch beats it by one standard error of the paired
          difference); an adapted candidate is chosen only when it
          beats that baseline by more than one standard error of the paired
          per-sample difference (the rule of
          :func:`transferkit.model_selection._guard.guarded_choice`), and the
          chosen one is refitted on all labelled target data. With fewer
          than two labelled target rows per class nothing can be validated:
          it warns and averages the class probabilities of LP-FT and of
          ``"target_linear"`` (``C = 1``, scikit-learn's default, since no
          inner fold can hold a class out), ``selected_strategy_ =
          "lp_ft+target_linear"``; without ``"target_linear"`` among the
          candidates it uses LP-FT. On the digits (``benchmark
          digits-finetune``, 5 seeds, 1 and 10 labels per class, contrast and
          one-pixel shifts) ``auto`` is within 1.0 point of the best
          target-only row and 1.5 points of the best fixed strategy in every
          cell but one (pixel, 1 label per class: 67.0 % against 68.6 % for
          the logistic regression and 69.4 % for ``"surgical"``). Which
          target-only candidate is the baseline when the network from
          scratch scores higher (the linear model unless the network beats
          it by one standard error) was chosen leave-one-shift-out on the
          five digits shifts; the grid and the inner folds are generic.
    regularizer : {"l2_sp", "delta", "bss", "lwf"} or None, default=None
        A penalty toward the source model during fine-tuning: L2-SP (Li et
        al. 2018), DELTA (Li et al. 2019; on the body's output features, with
        the paper's supervised channel attention), BSS (Chen et al. 2019) or
        LwF (Li & Hoiem 2016; needs the source head, so a module pretrained
        here or one with a head).
    reg_strength : float, (alpha, beta) or None, default=None
        The penalty's weight; ``None`` uses the paper's: L2-SP and DELTA
        ``(0.01, 0.01)`` (body, new head), BSS ``0.001``, LwF ``1.0``. A
        float for L2-SP/DELTA sets both ``alpha`` and ``beta``.
    alignment : {"coral", "mmd", "dann"} or None, default=None
        The domain-alignment loss on the body's features, with unlabelled
        target data: Deep CORAL (Sun & Saenko 2016), DAN's multi-kernel MMD
        (Long et al. 2015, kernel weights by the paper's quadratic program
        once per epoch) or DANN (Ganin et al. 2016: a domain discriminator
        behind a gradient-reversal layer, the paper's ``lambda`` schedule
        and learning-rate annealing ``1 / (1 + 10 p)^0.75``).
    alignment_weight : float, default=1.0
        Weight of the alignment loss (DANN: the final ``lambda``).
    alignment_check : bool, default=True
        Veto an alignment that does worse than no alignment. The phase that
        trains with the alignment loss is trained a second time without it
        (the source-only twin: same initial weights, rows and options), and
        the twin is kept instead, with a warning and the reason in
        ``alignment_report_``, when the aligned training diverges, when the
        aligned model's accuracy (regressor: squared error) on the held-out
        source rows is worse than the twin's by more than two standard
        errors of the paired difference, or (classifier) when its reverse
        validation score is lower than the twin's by more than one standard
        error: a logistic regression trained on the target labelled by the
        model's predictions, scored on the held-out source (the DANN paper's
        label-free selection procedure). The ``validation_fraction`` rows
        are held out for it even when ``early_stopping=False``. It doubles
        the cost of that phase; it sees no target label, so it can miss a
        bad alignment and veto a good one (see the guide "Parameter sharing:
        the losses").
    pretrain : bool or "auto", default="auto"
        Whether to train the module on the source first; ``"auto"``: when
        ``X`` is given and the module is not marked pretrained (its attribute
        ``transferkit_pretrained`` is not true).
    lr : float, default=1e-3
        Learning rate of the optimizer (of the top layer group when
        ``lr_decay`` is set).
    lr_decay : float >= 1 or None, default=None
        Discriminative learning rates: layer group ``l`` from the top gets
        ``lr / lr_decay**l``.
    ft_lr_factor : float, default=0.1
        Factor on the learning rate of LP-FT's fine-tuning stage (after the
        probe). The head is already fitted there, and a smaller step distorts
        the features less (the point of LP-FT). Measured on the digits
        (``benchmark digits-finetune``, 5 seeds): contrast shift, 1 label per
        class, 91.2 % with 1.0 against 92.7 % with 0.1; one-pixel shift, 10
        labels per class, 85.4 against 84.5.
    epochs : int, default=50
        Maximum number of epochs per training phase.
    batch_size : int, default=32
        Rows per training step. A last batch of one row is merged into the
        one before it; ``batch_size=1`` trains on one row per step (refused
        with ``alignment`` or with ``BatchNorm1d`` layers in the module).
    optimizer : {"adamw", "adam", "sgd"}, default="adamw"
    weight_decay : float, default=0.0
        The optimizer's (decoupled for AdamW) weight decay.
    augment : None, bool or callable, default=None
        ``True``: the backbone's light augmentation (images); a callable
        ``f(batch, generator) -> batch`` for tensors.
    validation_fraction : float in [0, 1), default=0.1
        Share of each phase's training rows held out for early stopping
        (stratified). When that would leave a class without a training row,
        or the held-out part would be smaller than the number of classes, the
        training loss is monitored instead.
    early_stopping : bool, default=True
        Stop a phase after ``n_iter_no_change`` epochs without improvement
        and restore the best weights.
    n_iter_no_change : int, default=10
    hidden_layer_sizes : tuple of int, default=(100,)
        The default MLP's hidden layers (``module=None``).
    blocks : str or list of str, default=None
        ``strategy="surgical"``: names of the body's submodules to tune.
    probe_C : float, default=1.0
        Inverse regularisation strength ``C`` of the linear probe's logistic
        regression (its ridge ``alpha`` is ``1 / probe_C`` for the regressor).
    candidates : list of str, default=None
        ``strategy="auto"``: a subset of ``("target_only", "target_linear",
        "linear_probe", "lp_ft", "source")`` (all when None). The guarded
        baseline is the better by cross-validation of the target-only ones
        listed (``"target_only"``, ``"target_linear"``; the linear one
        unless the other beats it by one standard error); when none is
        listed, the first candidate.
    cv : int, default=5
        ``strategy="auto"``: number of stratified folds (at most the smallest
        class count). Five rather than three: with fewer folds the
        candidates train on less of the few labels, which handicaps
        target-only more than the transfer candidates. On the digits'
        one-pixel shift (10 labels per class, 5 seeds; transfer hurts there)
        ``auto`` scored 85.9 % with 3 folds and 87.9 % with 5, against 88.0 %
        for target-only.
    device : str, default="auto"
        ``"auto"``: CUDA when available, else CPU.
    copy : bool, default=True
        Fine-tune a copy of ``module`` (the caller's module is not modified).
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling, dropout and augmentation. torch's
        global random state is restored after fit.
    verbose : bool, default=False
        A tqdm progress bar per phase and per-epoch log records.

    Attributes
    ----------
    network_ : torch.nn.Module
        The fitted network: ``network_.body``, ``network_.head``. When auto
        chose ``"target_linear"`` on the inputs, the body is a
        parameter-free :class:`~transferkit.parameter._network.InputFeatures`
        (``transform`` returns the flattened inputs) and the head is the
        refitted linear model; ``save``/``load`` work. For
        ``"lp_ft+target_linear"`` it is an ensemble whose ``members`` are the
        two networks (``body`` is LP-FT's); it pickles but cannot be
        ``save``-d (a ``ValueError`` says so).
    classes_ : ndarray
        The labels the network predicts.
    source_classes_ : ndarray or None
        The source labels, when the module was pretrained here.
    selected_strategy_ : str
        The strategy that produced ``network_`` (``"source"`` when no target
        labels were given; ``"target_only"``, ``"target_linear"`` or
        ``"lp_ft+target_linear"`` are possible choices of auto).
    selection_report_ : dict or None
        ``strategy="auto"``: each candidate's cross-validated score, its gain
        over the baseline (the best target-only candidate) and that gain's
        standard error, the choice and why; ``target_only_candidates``,
        ``skipped`` (left-out candidates and why) and, when the linear model
        was refitted, ``target_linear`` (its features and ``C``/``alpha``).
    alignment_report_ : dict or None
        ``alignment_check=True`` with an alignment phase: the phase,
        ``checked``, ``vetoed``, ``reason``, the held-out source scores
        of the aligned model and of its source-only twin with their
        difference, its standard error and ``n_validation``, and
        ``reverse_validation`` (the same for the reverse scores; ``None``
        for a regressor).
    history_ : list of dict
        One record per epoch: phase, epoch, train_loss, val_loss, val_score.
        The source-only twin's epochs have the phase ``"<phase>:source_only"``,
        and the check adds a record with ``event="alignment_check"``,
        ``vetoed`` and ``kept``.
    pretrained_ : bool
        Whether the module was trained on the source in this fit.
    n_features_in_ : int
        Number of features (tabular input).

    References
    ----------
    .. [1] A. Kumar et al. "Fine-Tuning can Distort Pretrained Features and
       Underperform Out-of-Distribution". ICLR 2022.
    .. [2] J. Howard and S. Ruder. "Universal Language Model Fine-tuning for
       Text Classification". ACL 2018.
    .. [3] Y. Lee et al. "Surgical Fine-Tuning Improves Adaptation to
       Distribution Shifts". ICLR 2023.
    .. [4] X. Li, Y. Grandvalet and F. Davoine. "Explicit Inductive Bias for
       Transfer Learning with Convolutional Networks". ICML 2018.
    .. [5] B. Sun and K. Saenko. "Deep CORAL". ECCV Workshops 2016.
    .. [6] M. Long et al. "Learning Transferable Features with Deep
       Adaptation Networks". ICML 2015.
    .. [7] Y. Ganin et al. "Domain-Adversarial Training of Neural Networks".
       JMLR 2016.

    Examples
    --------
    >>> from transferkit.datasets import load_digits_shift
    >>> from transferkit.parameter import FineTuner
    >>> Xs, ys, Xt, yt = load_digits_shift("contrast")
    >>> model = FineTuner(epochs=20, random_state=0)
    >>> model = model.fit(Xs, ys, Xt[:100], yt[:100])
    >>> model.selected_strategy_
    'lp_ft'
    >>> bool(model.score(Xt[100:], yt[100:]) > 0.8)
    True
    """

    _task = "classification"

    def predict_proba(self, X):
        """Class probabilities (softmax of the network's outputs).

        Parameters
        ----------
        X : array-like, tensor, Dataset or list of str

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        from scipy.special import softmax

        return softmax(self._outputs(X), axis=1)

    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`."""
        from scipy.special import log_softmax

        return log_softmax(self._outputs(X), axis=1)

    def decision_function(self, X):
        """The network's outputs (logits); for two classes, their difference.

        Parameters
        ----------
        X : array-like, tensor, Dataset or list of str

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        outputs = self._outputs(X)
        if outputs.shape[1] == 2:
            return outputs[:, 1] - outputs[:, 0]
        return outputs

    def predict(self, X):
        """The most probable class of each input.

        Parameters
        ----------
        X : array-like, tensor, Dataset or list of str

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        outputs = self._outputs(X)
        return self.classes_[np.argmax(outputs, axis=1)]

    def _set_output_space(self, space):
        self.classes_ = space


class FineTunerRegressor(RegressorMixin, _BaseFineTuner):
    """Fine-tune a PyTorch module on a regression task, or adapt it to a new domain.

    The regression twin of :class:`FineTuner`: the same parameters and paths,
    a one-output linear head, the squared error as the loss, and a ridge
    regression (``alpha = 1 / probe_C``) on the body's features as the linear
    probe.
    Targets are standardised inside each training phase (and the predictions
    mapped back), so the learning rate does not depend on their scale.
    ``strategy="auto"`` scores candidates by per-sample squared error, and the
    LwF regulariser is not available (it distils class probabilities).

    Parameters
    ----------
    module, head, strategy, regularizer, reg_strength, alignment, \
alignment_weight, alignment_check, pretrain, lr, lr_decay, ft_lr_factor, \
epochs, batch_size, optimizer, weight_decay, augment, validation_fraction, \
early_stopping, n_iter_no_change, hidden_layer_sizes, blocks, probe_C, candidates, \
cv, device, \
copy, random_state, verbose
        As in :class:`FineTuner` (the validation split is not stratified).

    Attributes
    ----------
    network_ : torch.nn.Module
    target_mean_, target_scale_ : float
        The standardisation of the final phase's targets.
    selected_strategy_ : str
    selection_report_ : dict or None
    alignment_report_ : dict or None
    history_ : list of dict
    pretrained_ : bool
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from transferkit.parameter import FineTunerRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 3))
    >>> y = X @ np.array([1.0, -2.0, 0.5])
    >>> model = FineTunerRegressor(epochs=100, random_state=0).fit(X, y)
    >>> bool(model.score(X, y) > 0.9)
    True
    """

    _task = "regression"

    def predict(self, X):
        """Predicted targets.

        Parameters
        ----------
        X : array-like, tensor, Dataset or list of str

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        outputs = self._outputs(X)[:, 0]
        return outputs * self.target_scale_ + self.target_mean_

    def _set_output_space(self, space):
        self.target_mean_, self.target_scale_ = space
