"""The phases of a fine-tuner's fit: source pretraining, the strategies, auto.

:class:`FitContext` holds what one ``fit`` call shares (the estimator's
parameters, the device, the seeded generator, the history) and runs the
phases. It is private: :class:`~transferkit.parameter.FineTuner` is the
public face.
"""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import torch
from torch import nn

from ._network import layer_groups, make_network
from ._training import TrainSpec, encode, predict_outputs, train_network

__all__ = ["FitContext"]

#: ULMFiT's factor between the learning rates of consecutive layer groups.
ULMFIT_DECAY = 2.6
#: The auto candidates that use no source data (the guard's baseline is the
#: better of them by cross-validation: the linear model unless the network
#: from scratch beats it by one standard error).
TARGET_ONLY = ("target_only", "target_linear")
#: ``"target_linear"``: the grid of ``C`` (logistic regression) and of
#: ``alpha`` (ridge), decades around scikit-learn's default 1; a generic
#: choice, not fitted on any benchmark.
LINEAR_GRID = (0.01, 0.1, 1.0, 10.0, 100.0)
#: ``"target_linear"``: stratified folds of the inner cross-validation that
#: picks ``C`` (at most the smallest class count).
INNER_FOLDS = 3
#: ``"target_linear"``: ``C`` when a class has a single labelled row, so that
#: no inner fold can hold it out (scikit-learn's default).
FALLBACK_C = 1.0


def _stlr(progress, cut_frac=0.1, ratio=32.0):
    """ULMFiT's slanted triangular learning-rate factor at ``progress``."""
    if progress < cut_frac:
        p = progress / cut_frac
    else:
        p = 1.0 - (progress - cut_frac) / (1.0 - cut_frac)
    return (1.0 + p * (ratio - 1.0)) / ratio


def _n_classes(classes):
    return f"{len(classes)} class" + ("" if len(classes) == 1 else "es")


def _reset_parameters(module):
    """Re-initialise every submodule that knows how (for target-only training)."""
    for sub in module.modules():
        reset = getattr(sub, "reset_parameters", None)
        if callable(reset):
            reset()


class FitContext:
    """One fit's shared state and its training phases."""

    def __init__(self, estimator, device, generator, seed):
        self.est = estimator
        self.device = device
        self.generator = generator
        self.seed = seed
        self.task = estimator._task
        self.source_space = None
        self.space_is_source = False
        #: What ``"target_linear"`` is fitted on: "inputs", "body" (the
        #: frozen body as given) or None (not available); set by the estimator.
        self.linear_features = "inputs"
        self.linear_param = None

    # ------------------------------------------------------------ helpers

    def spec(self, phase):
        est = self.est
        return TrainSpec(
            epochs=est.epochs,
            batch_size=est.batch_size,
            lr=est.lr,
            optimizer=est.optimizer,
            weight_decay=est.weight_decay,
            early_stopping=est.early_stopping,
            n_iter_no_change=est.n_iter_no_change,
            task=self.task,
            augment=est.augment,
            verbose=bool(est.verbose),
            phase=phase,
        )

    def encode_labels(self, labels, network=None):
        """(targets tensor on the device, output space) for the labels.

        For a classifier whose source head (``network.source_head``) covers
        the labels, the output space is the source's classes, so that the
        source head can start the fine-tuning.
        """
        if self.task == "classification":
            classes = np.unique(labels)
            if (
                network is not None
                and network.source_head is not None
                and self.source_space is not None
                and np.isin(classes, self.source_space).all()
            ):
                classes = self.source_space
            self.space_is_source = classes is self.source_space
            present = np.unique(labels)
            if present.shape[0] < 2:
                raise ValueError(
                    f"the labelled data contains {_n_classes(present)} "
                    f"({present.tolist()}); {type(self.est).__name__} needs at "
                    "least 2 classes."
                )
            index = np.searchsorted(classes, labels)
            return torch.as_tensor(index, dtype=torch.long, device=self.device), classes
        mean = float(np.mean(labels))
        scale = float(np.std(labels))
        scale = scale if scale > 0 else 1.0
        values = (np.asarray(labels, dtype=np.float64) - mean) / scale
        return (
            torch.as_tensor(values, dtype=torch.float32, device=self.device),
            (mean, scale),
        )

    def n_outputs(self, space):
        return len(space) if self.task == "classification" else 1

    def split_validation(self, inputs, targets, force=False):
        """(train inputs, train targets, validation or None) for early stopping.

        ``force``: hold the rows out even without early stopping (for the
        alignment check).
        """
        est = self.est
        n = len(inputs)
        if (not est.early_stopping and not force) or est.validation_fraction <= 0:
            return inputs, targets, None
        n_val = int(math.ceil(est.validation_fraction * n))
        rng = np.random.RandomState(self.seed % (2**31 - 1))
        if self.task == "classification":
            labels = targets.cpu().numpy()
            classes, counts = np.unique(labels, return_counts=True)
            if (
                n_val < classes.shape[0]
                or counts.min() < 2
                or n - n_val < classes.shape[0]
            ):
                return inputs, targets, None
            from sklearn.model_selection import train_test_split

            train, val = train_test_split(
                np.arange(n), test_size=n_val, stratify=labels, random_state=rng
            )
        else:
            if n_val < 2 or n - n_val < 2:
                return inputs, targets, None
            order = rng.permutation(n)
            val, train = order[:n_val], order[n_val:]
        train, val = np.sort(train), np.sort(val)
        index_train = torch.as_tensor(train, device=targets.device)
        index_val = torch.as_tensor(val, device=targets.device)
        return (
            inputs.subset(train),
            targets[index_train],
            (inputs.subset(val), targets[index_val]),
        )

    def param_groups(self, network, groups=None, lr_decay=None, lr_scale=1.0):
        """Optimizer groups: the head at ``lr``, body groups decayed from the top."""
        est = self.est
        base = est.lr * lr_scale
        body_groups = layer_groups(network.body) if groups is None else groups
        grouped = {id(p) for g in body_groups for p in g}
        loose = [p for p in network.body.parameters() if id(p) not in grouped]
        if loose:
            if body_groups:
                body_groups = body_groups[:-1] + [body_groups[-1] + loose]
            else:
                body_groups = [loose]
        decay = lr_decay if lr_decay is not None else est.lr_decay
        out = [{"params": list(network.head.parameters()), "lr": base}]
        for depth, params in enumerate(reversed(body_groups), start=1):
            lr = base / (decay**depth) if decay else base
            out.append({"params": params, "lr": lr})
        return out

    # ------------------------------------------------------------- phases

    def new_network(self, body, width, source_head):
        net = make_network(body, width, 1, source_head=source_head)
        return net.to(self.device)

    def pretrain_on_source(self, body, width, source_head, source, y, target):
        """Train body and a source head on the labelled source."""
        targets, space = self.encode_labels(y)
        n_out = self.n_outputs(space)
        net = make_network(body, width, n_out).to(self.device)
        if source_head is not None and _out_features(source_head) == n_out:
            net.head = source_head.to(self.device)
        align = target if self.est.alignment is not None else None
        self._train_full(net, source, targets, "source", align, regularize=False)
        net.source_head = net.head
        self.source_space = space
        if self.task == "classification":
            self.est.source_classes_ = space
        return net

    def fine_tune(self, network, inputs, labels, align_with):
        """Apply the estimator's strategy on labelled data; set the output space."""
        est = self.est
        targets, space = self.encode_labels(labels, network)
        strategy = est.strategy
        report = None
        if strategy == "auto":
            strategy, report = self.choose_strategy(network, inputs, labels)
            est.selection_report_ = report
        network = self.run_strategy(
            strategy, network, inputs, targets, space, align_with
        )
        if "target_linear" in strategy.split("+") and report is not None:
            name = "C" if self.task == "classification" else "alpha"
            report["target_linear"] = {
                "features": self.linear_features,
                name: self.linear_param,
            }
        if strategy == "source":
            space = self.source_space
        est._set_output_space(space)
        est.selected_strategy_ = strategy
        return network

    def run_strategy(self, strategy, network, inputs, targets, space, align_with):
        n_out = self.n_outputs(space)
        if "+" in strategy:  # an ensemble of candidates (auto at k = 1)
            from ._network import AveragedNetwork

            members = [
                self.run_strategy(
                    name, copy.deepcopy(network), inputs, targets, space, align_with
                )
                for name in strategy.split("+")
            ]
            return AveragedNetwork(members)
        if strategy == "source":
            network.head = network.source_head
            return network
        if strategy == "target_only":
            network = copy.deepcopy(network)
            _reset_parameters(network.body)
            network.head = nn.Linear(_width(network), n_out).to(self.device)
            self._train_full(
                network, inputs, targets, "target_only", align_with, regularize=False
            )
            return network
        if strategy == "target_linear":
            return self._target_linear(network, inputs, targets, n_out)
        if strategy == "linear_probe":
            self._linear_probe(network, inputs, targets, n_out)
            return network
        if strategy == "full":
            network.head = self._start_head(network, space)
            self._train_full(network, inputs, targets, "full", align_with)
            return network
        if strategy == "lp_ft":
            self._linear_probe(network, inputs, targets, n_out)
            self._train_full(
                network,
                inputs,
                targets,
                "lp_ft",
                align_with,
                lr_scale=self.est.ft_lr_factor,
            )
            return network
        if strategy == "gradual_unfreeze":
            network.head = self._start_head(network, space)
            self._gradual_unfreeze(network, inputs, targets, align_with)
            return network
        if strategy == "surgical":
            self._linear_probe(network, inputs, targets, n_out)
            self._surgical(network, inputs, targets, align_with)
            return network
        raise ValueError(f"unknown strategy {strategy!r}")  # pragma: no cover

    # ------------------------------------------------------- strategies

    def _start_head(self, network, space):
        """A new head, or a copy of the source head when the label spaces agree."""
        if self._reuses_source_head(network, space):
            return copy.deepcopy(network.source_head)
        return nn.Linear(_width(network), self.n_outputs(space)).to(self.device)

    def _reuses_source_head(self, network, space):
        """Whether the output space is the source head's (the label spaces agree)."""
        if network.source_head is None or self.source_space is None:
            return False
        return self.task == "classification" and self.space_is_source

    def _linear_probe(self, network, inputs, targets, n_out):
        """Fit the head on frozen body features with scikit-learn (L-BFGS)."""
        features = encode(network.body, inputs, self.device).astype(np.float64)
        labels = targets.cpu().numpy()
        if self.task == "classification":
            probe = self._probe_classifier(network, features, labels, n_out)
            coef, intercept = _output_layer(probe, n_out)
        else:
            from sklearn.linear_model import Ridge

            probe = Ridge(alpha=1.0 / self.est.probe_C).fit(features, labels)
            coef = probe.coef_.reshape(1, -1)
            intercept = np.atleast_1d(probe.intercept_)
        head = nn.Linear(features.shape[1], n_out)
        with torch.no_grad():
            head.weight.copy_(torch.as_tensor(coef, dtype=torch.float32))
            head.bias.copy_(torch.as_tensor(intercept, dtype=torch.float32))
        network.head = head.to(self.device)
        self.est.history_.append(
            {"phase": "linear_probe", "epoch": 0, "train_loss": float("nan")}
        )

    def _target_linear(self, network, inputs, targets, n_out):
        """The classical target-only model: a linear model, tuned by inner CV.

        A logistic regression (classifier) or ridge (regressor) on the inputs
        (``linear_features == "inputs"``) or on the frozen body as given
        (``"body"``), with ``C`` or ``alpha`` from :data:`LINEAR_GRID` chosen
        by an inner cross-validation on ``inputs`` only. Returns a new
        network whose head is that linear model.
        """
        from sklearn.linear_model import RidgeCV

        from ._network import InputFeatures, TransferNetwork

        on_inputs = self.linear_features == "inputs"
        body = InputFeatures().to(self.device) if on_inputs else network.body
        features = encode(body, inputs, self.device).astype(np.float64)
        labels = targets.cpu().numpy()
        if self.task == "classification":
            model, self.linear_param = self._tuned_logistic(features, labels)
            coef, intercept = _output_layer(model, n_out)
        else:
            model = RidgeCV(alphas=LINEAR_GRID).fit(features, labels)
            self.linear_param = float(model.alpha_)
            coef = model.coef_.reshape(1, -1)
            intercept = np.atleast_1d(model.intercept_)
        head = nn.Linear(features.shape[1], n_out)
        with torch.no_grad():
            head.weight.copy_(torch.as_tensor(coef, dtype=torch.float32))
            head.bias.copy_(torch.as_tensor(intercept, dtype=torch.float32))
        self.est.history_.append(
            {"phase": "target_linear", "epoch": 0, "train_loss": float("nan")}
        )
        source_head = None if on_inputs else network.source_head
        return TransferNetwork(body, head.to(self.device), source_head)

    def _tuned_logistic(self, features, labels):
        """(fitted logistic regression, its C): C by inner stratified CV.

        Each ``C`` of :data:`LINEAR_GRID` is scored by its mean accuracy over
        the same inner folds of ``features`` (the smallest ``C`` wins ties),
        then refitted on all of them.
        """
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_score

        _, counts = np.unique(labels, return_counts=True)
        n_inner = int(min(INNER_FOLDS, counts.min()))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # convergence
            best = FALLBACK_C
            if n_inner >= 2:
                folds = StratifiedKFold(
                    n_inner, shuffle=True, random_state=self.seed % (2**31 - 1)
                )
                means = [
                    cross_val_score(
                        LogisticRegression(C=C, max_iter=1000),
                        features,
                        labels,
                        cv=folds,
                    ).mean()
                    for C in LINEAR_GRID
                ]
                best = float(LINEAR_GRID[int(np.argmax(means))])
            model = LogisticRegression(C=best, max_iter=1000).fit(features, labels)
        return model, best

    def _probe_classifier(self, network, features, labels, n_out):
        """The probe: logistic regression, with the source head as its prior.

        When the source head predicts the same classes (the label spaces
        agree), the probe is the regularised linear transfer of Chelba & Acero
        on the body's features (:class:`RegularTransferClassifier` with a
        Gaussian prior centred on the source head, ``alpha = 1 / probe_C``,
        the strength of the plain probe); otherwise a plain L-BFGS logistic
        regression with ``C=probe_C``.
        """
        from sklearn.linear_model import LogisticRegression

        if self._reuses_source_head(network, None):
            from ._regular_transfer import RegularTransferClassifier

            head = network.source_head
            prior = LogisticRegression()
            prior.coef_ = head.weight.detach().cpu().double().numpy()
            prior.intercept_ = head.bias.detach().cpu().double().numpy()
            prior.classes_ = np.arange(n_out)
            prior.n_features_in_ = features.shape[1]
            probe = RegularTransferClassifier(
                estimator=prior, alpha=1.0 / self.est.probe_C
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                return probe.fit(None, None, Xt=features, yt=labels)
        probe = LogisticRegression(C=self.est.probe_C, max_iter=1000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return probe.fit(features, labels)

    def _train_full(
        self,
        network,
        inputs,
        targets,
        phase,
        align_with=None,
        regularize=True,
        lr_scale=1.0,
    ):
        self._clear_cache(network)
        params = self.param_groups(network, lr_scale=lr_scale)
        self._train(
            network, params, inputs, targets, phase, align_with, regularize=regularize
        )

    def _train(
        self,
        network,
        params,
        inputs,
        targets,
        phase,
        align_with,
        epoch_hooks=(),
        lr_schedule=None,
        regularize=True,
    ):
        est = self.est
        checked = (
            align_with is not None
            and est.alignment is not None
            and getattr(est, "alignment_check", False)
        )
        train_inputs, train_targets, validation = self.split_validation(
            inputs, targets, force=checked
        )
        args = (
            network,
            params,
            (train_inputs, train_targets, validation),
            phase,
            align_with,
            epoch_hooks,
            lr_schedule,
            regularize,
        )
        if checked:
            self._train_checked(*args)
        else:
            self._run_phase(*args, self.est.history_)

    def _run_phase(
        self,
        network,
        params,
        data,
        phase,
        align_with,
        epoch_hooks,
        lr_schedule,
        regularize,
        history,
    ):
        train_inputs, train_targets, validation = data
        extras, extra_params, hooks, schedule = self._extra_losses(
            network, train_inputs, train_targets, align_with, regularize
        )
        if extra_params:
            params = params + [{"params": extra_params, "lr": self.est.lr}]
        schedules = [s for s in (lr_schedule, schedule) if s is not None]

        def combined(progress):
            factor = 1.0
            for s in schedules:
                factor *= s(progress)
            return factor

        train_network(
            network,
            params,
            train_inputs,
            train_targets,
            self.spec(phase),
            self.device,
            self.generator,
            validation=validation,
            extra_losses=extras,
            epoch_hooks=list(hooks) + list(epoch_hooks),
            lr_schedule=combined if schedules else None,
            history=history,
        )

    def _train_checked(
        self, network, params, data, phase, align_with, epoch_hooks, lr_schedule, reg
    ):
        """Train with the alignment loss, then veto it against its source-only twin.

        The aligned run is the phase as without the check; the twin starts
        from the same weights and trains the same rows with the same options
        and a generator seeded alike, the alignment term removed. See
        :mod:`~transferkit.parameter._alignment_check`.
        """
        from ._alignment_check import compare_on_validation

        est = self.est
        validation = data[2]
        report = {
            "phase": phase,
            "alignment": est.alignment,
            "checked": validation is not None,
            "vetoed": False,
            "reason": None,
            "reverse_validation": None,
        }
        est.alignment_report_ = report
        if validation is None:
            report["reason"] = (
                "too few source rows to hold out a validation part "
                "(validation_fraction); the alignment was not checked"
            )
            self._run_phase(
                network, params, data, phase, align_with, epoch_hooks,
                lr_schedule, reg, est.history_,
            )  # fmt: skip
            return
        initial = copy.deepcopy(network.state_dict())
        # the optimizer's schedules write the rates into the group dicts
        twin_params = [dict(group) for group in params]
        twin_generator = torch.Generator().manual_seed(self.seed)
        twin_generator.set_state(self.generator.get_state())
        diverged = None
        try:
            self._run_phase(
                network, params, data, phase, align_with, epoch_hooks,
                lr_schedule, reg, est.history_,
            )  # fmt: skip
            aligned_state = copy.deepcopy(network.state_dict())
            aligned_scores = self._row_scores(network, *validation)
        except FloatingPointError as error:
            diverged = str(error)
        network.load_state_dict(initial)
        saved_generator, self.generator = self.generator, twin_generator
        try:
            self._run_phase(
                network, twin_params, data, f"{phase}:source_only", None, epoch_hooks,
                lr_schedule, reg, est.history_,
            )  # fmt: skip
        finally:
            self.generator = saved_generator
        twin_scores = self._row_scores(network, *validation)
        if diverged is None and self.task == "classification":
            reverse = self._reverse_validation(
                network, aligned_state, align_with, validation
            )
            if reverse is not None:
                report["reverse_validation"] = reverse
        if diverged is not None:
            report.update(
                vetoed=True, reason=f"the aligned training diverged ({diverged})"
            )
        else:
            report.update(compare_on_validation(aligned_scores, twin_scores))
            reverse = report.get("reverse_validation")
            if report["vetoed"]:
                report["reason"] = (
                    "held-out source score below the source-only twin's by more "
                    f"than {report['n_std_errors']:g} standard errors"
                )
                if self.task == "classification":
                    report["reason"] = report["reason"].replace("score", "accuracy")
            elif reverse is not None and reverse["vetoed"]:
                report["vetoed"] = True
                report["reason"] = (
                    "reverse validation (a classifier trained on its target "
                    "predictions, scored on the held-out source) below the "
                    f"source-only twin's by more than {reverse['n_std_errors']:g} "
                    "standard error"
                )
            if not report["vetoed"]:
                network.load_state_dict(aligned_state)
        est.history_.append(
            {
                "phase": phase,
                "event": "alignment_check",
                "vetoed": report["vetoed"],
                "kept": "source_only" if report["vetoed"] else "aligned",
            }
        )
        if report["vetoed"]:
            warnings.warn(
                f"alignment={est.alignment!r} was vetoed in phase {phase!r}: "
                f"{report['reason']}; the source-only model of this phase is kept "
                "(see alignment_report_; alignment_check=False turns the check off).",
                UserWarning,
                stacklevel=2,
            )

    def _reverse_validation(self, network, aligned_state, target, validation):
        """Paired reverse-validation scores: aligned vs the twin in ``network``."""
        from ._alignment_check import (
            MAX_REVERSE_ROWS,
            REVERSE_STD_ERRORS,
            compare_on_validation,
            reverse_scores,
        )

        rows = np.arange(len(target))
        if rows.shape[0] > MAX_REVERSE_ROWS:
            rng = np.random.RandomState(self.seed % (2**31 - 1))
            rows = np.sort(rng.choice(rows, MAX_REVERSE_ROWS, replace=False))
        target = target.subset(rows) if rows.shape[0] < len(target) else target
        inputs, labels = validation
        if target.kind == "tensor":
            target_x = _flat(target.data)
            source_x = _flat(inputs.data)
        else:  # images, datasets: the twin's features
            target_x = encode(network.body, target, self.device, use_cache=False)
            source_x = encode(network.body, inputs, self.device, use_cache=False)
        labels = labels.cpu().numpy()
        twin_pseudo = predict_outputs(network, target, self.device).argmax(1)
        twin_state = copy.deepcopy(network.state_dict())
        network.load_state_dict(aligned_state)
        aligned_pseudo = predict_outputs(network, target, self.device).argmax(1)
        network.load_state_dict(twin_state)
        aligned = reverse_scores(
            target_x, aligned_pseudo.cpu().numpy(), source_x, labels
        )
        twin = reverse_scores(target_x, twin_pseudo.cpu().numpy(), source_x, labels)
        return compare_on_validation(aligned, twin, REVERSE_STD_ERRORS)

    def _row_scores(self, network, inputs, targets):
        outputs = predict_outputs(network, inputs, self.device)
        targets = targets.to(outputs.device)
        if self.task == "classification":
            return (outputs.argmax(1) == targets).double().cpu().numpy()
        squared = (outputs.squeeze(-1) - targets) ** 2
        return -squared.double().cpu().numpy()

    def _gradual_unfreeze(self, network, inputs, targets, align_with):
        """ULMFiT: unfreeze one layer group per epoch from the top, STLR, 2.6 decay."""
        self._clear_cache(network)
        decay = self.est.lr_decay if self.est.lr_decay is not None else ULMFIT_DECAY
        params = self.param_groups(network, lr_decay=decay)
        order = [g["params"] for g in params]  # head first, then body from the top

        def unfreeze(epoch, optimizer):
            for depth, group in enumerate(order):
                for p in group:
                    p.requires_grad_(depth <= epoch)
            return "hold" if epoch < len(order) - 1 else None

        self._train(
            network,
            params,
            inputs,
            targets,
            "gradual_unfreeze",
            align_with,
            epoch_hooks=[unfreeze],
            lr_schedule=_stlr,
        )

    def _surgical(self, network, inputs, targets, align_with):
        """Tune only the named blocks of the body (Lee et al. 2023)."""
        self._clear_cache(network)
        blocks = self.est.blocks
        if blocks is None:
            groups = layer_groups(network.body)
            if not groups:
                raise ValueError("the body has no parameters to tune surgically.")
            chosen = groups[0]
        else:
            names = [blocks] if isinstance(blocks, str) else list(blocks)
            modules = dict(network.body.named_modules())
            missing = [name for name in names if name not in modules or not name]
            if missing:
                known = [k for k in modules if k]
                raise ValueError(
                    f"blocks={missing!r} are not submodules of the body; its "
                    f"submodules are {known[:20]}{' ...' if len(known) > 20 else ''}."
                )
            chosen = [p for name in names for p in modules[name].parameters()]
        params = [{"params": chosen, "lr": self.est.lr}]
        self._train(network, params, inputs, targets, "surgical", align_with)

    # ------------------------------------------------- extra loss terms

    def _extra_losses(self, network, inputs, targets, align_with, regularize):
        """Regulariser and alignment terms for one phase.

        The regulariser applies to fine-tuning phases only: not to the source
        pretraining, nor to target-only training, which have no source model
        to stay close to.
        """
        extras, extra_params, hooks, schedule = [], [], [], None
        est = self.est
        if est.regularizer is not None and regularize:
            term = self._regularizer_term(network, inputs, targets)
            if term is not None:
                extras.append(term)
                extra_params += getattr(term, "extra_params", [])
        if align_with is not None and est.alignment is not None:
            term, params, hook, schedule = self._alignment_term(network, align_with)
            extras.append(term)
            extra_params += params
            if hook is not None:
                hooks.append(hook)
        return extras, extra_params, hooks, schedule

    def _strengths(self):
        from ._finetuner import PAPER_STRENGTHS

        name = self.est.regularizer
        value = self.est.reg_strength
        if value is None:
            value = PAPER_STRENGTHS[name]
        if name in ("l2_sp", "delta"):
            if isinstance(value, (tuple, list)):
                return float(value[0]), float(value[1])
            return float(value), float(value)
        if isinstance(value, (tuple, list)):
            raise ValueError(
                f"reg_strength must be a float for regularizer={name!r}, got {value!r}."
            )
        return float(value)

    def _regularizer_term(self, network, inputs, targets):
        from . import _regularizers as reg

        name = self.est.regularizer
        strength = self._strengths()
        if name == "l2_sp":
            alpha, beta = strength
            start = [p.detach().clone() for p in network.body.parameters()]

            def l2_sp(net, batch, features, logits, index, progress):
                return reg.l2_sp_penalty(
                    list(net.body.parameters()),
                    start,
                    list(net.head.parameters()),
                    alpha,
                    beta,
                )

            return l2_sp
        if name == "bss":
            eta = strength

            def bss(net, batch, features, logits, index, progress):
                return eta * reg.bss_penalty(features, k=1)

            return bss
        if name == "delta":
            if self.task != "classification":
                raise ValueError(
                    "regularizer='delta' weighs channels by a classification loss; "
                    "use 'l2_sp' or 'bss' for regression."
                )
            alpha, beta = strength
            frozen = copy.deepcopy(network.body).eval()
            frozen.requires_grad_(False)
            source_features = torch.as_tensor(
                encode(frozen, inputs, self.device, use_cache=False)
            ).to(self.device)
            probe = copy.deepcopy(network)
            self._linear_probe(probe, inputs, targets, int(targets.max()) + 1)
            self.est.history_.pop()
            with torch.no_grad():
                weights = reg.delta_channel_weights(
                    source_features, probe.head, targets
                )

            def delta(net, batch, features, logits, index, progress):
                with torch.no_grad():
                    reference = frozen(batch)
                index = index.to(weights.device)
                penalty = alpha * reg.delta_penalty(features, reference, weights[index])
                head_norm = sum((p**2).sum() for p in net.head.parameters())
                return penalty + 0.5 * beta * head_norm

            return delta
        if name == "lwf":
            if self.task != "classification":
                raise ValueError(
                    "regularizer='lwf' distils class probabilities; "
                    "it is for classifiers only."
                )
            if network.source_head is None:
                raise ValueError(
                    "regularizer='lwf' needs the source task's head: pretrain the "
                    "module on the source here (X, y) or give a module with a head."
                )
            lam = strength
            recorded = predict_outputs(
                _SourceView(network), inputs, self.device
            ).detach()
            old_head = network.source_head

            def lwf(net, batch, features, logits, index, progress):
                old_logits = old_head(features)
                return lam * reg.lwf_loss(
                    old_logits, recorded[index.to(recorded.device)]
                )

            lwf.extra_params = list(old_head.parameters())
            return lwf
        raise ValueError(f"unknown regularizer {name!r}")  # pragma: no cover

    def _alignment_term(self, network, target):
        from . import _alignment as align

        est = self.est
        weight = float(est.alignment_weight)
        n_target = len(target)
        generator = self.generator
        device = self.device

        def target_features(net, size):
            index = torch.randint(n_target, (size,), generator=generator)
            batch = target.batch(
                index, device, train=est.augment is True, generator=generator
            )
            return net.body(batch)

        if est.alignment == "coral":

            def coral(net, batch, features, logits, index, progress):
                return weight * align.coral_loss(
                    features, target_features(net, features.shape[0])
                )

            return coral, [], None, None
        if est.alignment == "mmd":
            mmd = align.MultiKernelMMD().to(device)
            state = {"last": None}

            def mmd_term(net, batch, features, logits, index, progress):
                ft = target_features(net, features.shape[0])
                state["last"] = (features.detach(), ft.detach())
                return weight * mmd(features, ft)

            def update(epoch, optimizer):
                if state["last"] is not None:
                    fs, ft = state["last"]
                    if min(fs.shape[0], ft.shape[0]) >= 4:
                        mmd.update_beta(fs, ft)
                return None

            return mmd_term, [], update, None
        width = _width(network)
        discriminator = align.DomainDiscriminator(width, generator=generator).to(device)

        def dann(net, batch, features, logits, index, progress):
            ft = target_features(net, features.shape[0])
            lam = weight * align.dann_lambda(progress)
            return align.domain_adversarial_loss(discriminator, features, ft, lam)

        def annealing(progress):
            return align.dann_learning_rate(1.0, progress)

        return dann, list(discriminator.parameters()), None, annealing

    def _clear_cache(self, network):
        clear = getattr(network.body, "clear_cache", None)
        if callable(clear):
            clear()

    # ---------------------------------------------------------------- auto

    def choose_strategy(self, network, inputs, labels):
        """Cross-validate the auto candidates on the labelled target, guarded."""
        from sklearn.model_selection import KFold, StratifiedKFold

        from ..model_selection._guard import guarded_choice
        from ._finetuner import AUTO_CANDIDATES

        est = self.est
        candidates = list(est.candidates or AUTO_CANDIDATES)
        skipped = {}
        if "source" in candidates and not self._source_usable(labels):
            candidates.remove("source")
            skipped["source"] = "the source labels do not cover the target's"
        if "target_linear" in candidates and self.linear_features is None:
            candidates.remove("target_linear")
            skipped["target_linear"] = (
                "the inputs are not numeric and the body was not supplied pretrained"
            )
        if not candidates:
            raise ValueError(
                f"strategy='auto' has no usable candidate among {est.candidates!r} "
                f"({'; '.join(f'{k}: {v}' for k, v in skipped.items())})."
            )
        baseline = candidates[0]
        n = len(inputs)
        if self.task == "classification":
            _, counts = np.unique(labels, return_counts=True)
            n_splits = int(min(est.cv, counts.min()))
            if n_splits < 2:
                fallback = "lp_ft" if "lp_ft" in candidates else candidates[-1]
                if fallback == "lp_ft" and "target_linear" in candidates:
                    # nothing can be validated: hedge between the transfer
                    # and the target-only linear model (average probabilities)
                    fallback = "lp_ft+target_linear"
                warnings.warn(
                    "strategy='auto' needs at least 2 labelled target rows per class "
                    f"to cross-validate (the smallest class has {counts.min()}); "
                    f"using {fallback!r}.",
                    UserWarning,
                    stacklevel=5,
                )
                return fallback, {
                    "chosen": fallback,
                    "reason": "too few labelled target rows per class to validate",
                    "candidates": {},
                    "baseline": baseline,
                    "skipped": skipped,
                }
            splitter = StratifiedKFold(
                n_splits, shuffle=True, random_state=self.seed % (2**31 - 1)
            )
            splits = list(splitter.split(np.zeros(n), labels))
        else:
            n_splits = int(min(est.cv, n))
            if n_splits < 2:
                raise ValueError("strategy='auto' needs at least 2 labelled rows.")
            splits = list(
                KFold(
                    n_splits, shuffle=True, random_state=self.seed % (2**31 - 1)
                ).split(np.zeros(n))
            )
        scores = {name: np.zeros(n) for name in candidates}
        history = est.history_
        for train, val in splits:
            fold_inputs, val_inputs = inputs.subset(train), inputs.subset(val)
            fold_targets, space = self.encode_labels(labels[train], network)
            for name in candidates:
                est.history_ = []
                candidate = copy.deepcopy(network)
                candidate = self.run_strategy(
                    name, candidate, fold_inputs, fold_targets, space, None
                )
                outputs = predict_outputs(candidate, val_inputs, self.device)
                outputs = outputs.detach().cpu().double().numpy()
                scores[name][val] = self._per_sample_scores(
                    name, outputs, labels[val], space
                )
        est.history_ = history
        # the guard's baseline: the better target-only candidate by the same
        # CV, the simpler (the linear model) unless the network from scratch
        # beats it by the guard's own margin; without one, the first candidate
        target_only = [name for name in candidates if name in TARGET_ONLY]
        inner = None
        if target_only:
            simple = "target_linear" if "target_linear" in target_only else baseline
            baseline, inner = guarded_choice(
                {name: scores[name] for name in target_only}, simple
            )
        chosen, report = guarded_choice(scores, baseline)
        report["n_folds"] = len(splits)
        report["target_only_candidates"] = target_only
        if inner is not None:
            report["baseline_reason"] = inner["reason"]
        report["skipped"] = skipped
        return chosen, report

    def _per_sample_scores(self, name, outputs, truth, space):
        if self.task == "classification":
            classes = self.source_space if name == "source" else space
            predicted = np.asarray(classes)[outputs.argmax(1)]
            return (predicted == truth).astype(float)
        mean, scale = self.source_space if name == "source" else space
        predicted = outputs[:, 0] * scale + mean
        return -((predicted - truth) ** 2)

    def _source_usable(self, labels):
        if self.source_space is None:
            return False
        if self.task == "classification":
            return bool(np.isin(np.unique(labels), self.source_space).all())
        return True


class _SourceView(nn.Module):
    """``source_head(body(x))`` of a network, for recording LwF's targets."""

    def __init__(self, network):
        super().__init__()
        self.network = network

    def forward(self, x):
        return self.network.source_head(self.network.body(x))


def _output_layer(model, n_out):
    """(coef, intercept) of a fitted linear classifier over ``n_out`` outputs.

    ``model.classes_`` are output indices; outputs of classes absent from
    the fit get a very low intercept so that they never win.
    """
    coef, intercept = model.coef_, model.intercept_
    if coef.shape[0] == 1 and len(model.classes_) == 2:
        coef = np.vstack([-coef / 2.0, coef / 2.0])
        intercept = np.array([-intercept[0] / 2.0, intercept[0] / 2.0])
    full_coef = np.zeros((n_out, coef.shape[1]))
    full_intercept = np.full(n_out, -1e4)
    full_coef[model.classes_.astype(int)] = coef
    full_intercept[model.classes_.astype(int)] = intercept
    return full_coef, full_intercept


def _flat(data):
    array = data.detach().cpu().numpy() if isinstance(data, torch.Tensor) else data
    array = np.asarray(array, dtype=np.float64)
    return array.reshape(array.shape[0], -1)


def _width(network):
    """Input width of the network's (linear) task head."""
    return network.head.in_features


def _out_features(module):
    from ._network import head_out_features

    return head_out_features(module)
