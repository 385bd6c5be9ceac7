"""The clusterer's learned models: logistic join/new and link decisions, and their weights.

:class:`LinearModel` scores feature rows (:data:`midweek.cluster.MONO_FEATURES`,
:data:`midweek.cluster.CROSS_FEATURES`) with a decision threshold; :class:`ClusterWeights`
holds the three models :class:`midweek.cluster.OnlineClusterer` uses (lexical, dense,
cross-lingual) and the granularity knob (:meth:`ClusterWeights.shifted`). The shipped
weights are ``midweek/data/cluster/weights.json`` (:func:`load_weights`), learned by
``benchmarks/learn_cluster_weights.py``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["ClusterWeights", "LinearModel", "load_weights"]

# Thresholds are clipped this far from 0 and 1 before a log-odds shift (keeps it finite).
_MIN_PROBABILITY = 1e-9


@dataclass(frozen=True, slots=True)
class LinearModel:
    """A logistic model over named features, with its decision threshold."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    threshold: float = 0.5

    def probability(self, rows: np.ndarray) -> np.ndarray:
        """P(same story) for feature rows.

        Args:
            rows: ``n x len(features)`` in :attr:`features` order.

        Returns:
            ``n`` probabilities.
        """
        z = rows @ np.asarray(self.weights, dtype=np.float64)
        probabilities: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))
        return probabilities

    def shifted(self, offset: float) -> LinearModel:
        """The same model with its threshold moved by ``offset`` in log-odds.

        Args:
            offset: Positive: the model joins more readily (coarser clusters).

        Returns:
            A new model; the weights are unchanged.
        """
        threshold = min(max(self.threshold, _MIN_PROBABILITY), 1.0 - _MIN_PROBABILITY)
        logit = math.log(threshold / (1.0 - threshold)) - offset
        return LinearModel(self.features, self.weights, 1.0 / (1.0 + math.exp(-logit)))

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return {
            "features": list(self.features),
            "weights": [round(w, 6) for w in self.weights],
            "threshold": self.threshold,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LinearModel:
        """Read :meth:`to_json` output.

        Args:
            data: The dict.

        Returns:
            The model.

        Raises:
            ValueError: Feature and weight counts differ.
        """
        features = tuple(str(f) for f in data["features"])
        weights = tuple(float(w) for w in data["weights"])
        if len(features) != len(weights):
            raise ValueError("features and weights differ in length")
        return cls(features, weights, float(data.get("threshold", 0.5)))


@dataclass(frozen=True, slots=True)
class ClusterWeights:
    """The three models of the clusterer."""

    lexical: LinearModel  # monolingual, no dense vectors
    dense: LinearModel  # monolingual, with dense vectors
    crosslingual: LinearModel  # links clusters of different languages
    meta: Mapping[str, Any] = field(default_factory=dict)

    def shifted(self, offset: float) -> ClusterWeights:
        """The granularity knob: every join threshold moved by ``offset`` in log-odds.

        One number per data set, tuned on a labelled dev portion (as the baselines'
        distance cut is), sets how coarse the clusters are: ``0`` is the shipped
        story-level model, positive values join more (topic level), negative less.

        Args:
            offset: Log-odds added to every model's score before its threshold.

        Returns:
            New weights with the same models and moved thresholds.
        """
        return ClusterWeights(
            self.lexical.shifted(offset),
            self.dense.shifted(offset),
            self.crosslingual.shifted(offset),
            {**self.meta, "granularity_offset": offset},
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict (the layout of ``weights.json``)."""
        return {
            "lexical": self.lexical.to_json(),
            "dense": self.dense.to_json(),
            "crosslingual": self.crosslingual.to_json(),
            "meta": dict(self.meta),
        }


def load_weights(path: Path | None = None) -> ClusterWeights:
    """Read clusterer weights (the shipped ``weights.json`` by default).

    Args:
        path: Another weights file.

    Returns:
        The weights.

    Raises:
        ValueError: The file is not a weights file.
    """
    if path is None:
        text = resources.files("midweek.data").joinpath("cluster/weights.json").read_text("utf-8")
    else:
        text = path.read_text("utf-8")
    data = json.loads(text)
    try:
        return ClusterWeights(
            lexical=LinearModel.from_json(data["lexical"]),
            dense=LinearModel.from_json(data["dense"]),
            crosslingual=LinearModel.from_json(data["crosslingual"]),
            meta=data.get("meta", {}),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not a clusterer weights file: {exc}") from exc
