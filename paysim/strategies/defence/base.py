"""The defence family: ``BaseDefence``, its registry ``DEFENCES``.

A defence decides, for each payment attempt that passed the platform's own checks (KYC and
personal limits), whether to approve it, decline it, challenge the buyer (step-up: 3DS, OTP,
biometrics) or hold it for the manual review team. The world calls, in order:

1. ``bind(context)`` once, with the static facts (``DefenceContext``) and the strategy's own
   random generator ``context.rng``;
2. ``decide(view)`` for every batch of attempts to screen (``DefenceView``, one row each, in
   time order): one action per attempt, ``APPROVE`` (0), ``DECLINE`` (1), ``STEP_UP`` (2) or
   ``REVIEW`` (3);
3. ``observe(feedback)`` with labels as they become known (fraud chargebacks weeks later,
   review verdicts), only if the class says ``learns_from_labels = True``.

Views hold what a real platform sees (device, IP, account age, velocities, KYC tier, amount,
corridor, the risk score), never whether a payment is fraud. Implement ``decide`` vectorised
over the batch; raise plain ``ValueError`` naming the parameter (the registry adds the path).
"""

from __future__ import annotations

import abc
from typing import ClassVar

import numpy as np

from paysim.model.fraud.signals import (
    APPROVE,
    DECLINE,
    REVIEW,
    STEP_UP,
    DefenceContext,
    DefenceFeedback,
    DefenceView,
)
from paysim.strategies.base import Strategy
from paysim.strategies.registry import Registry

__all__ = ["APPROVE", "DECLINE", "DEFENCES", "REVIEW", "STEP_UP", "BaseDefence"]


class BaseDefence(Strategy):
    """Base of defence strategies: implement ``decide``; ``bind`` and ``observe`` are hooks.

    Attributes:
        learns_from_labels: whether the world must send labels to ``observe``.
        context: the facts given to ``bind``.

    """

    family: ClassVar[str] = "defence"
    learns_from_labels: ClassVar[bool] = False
    context: DefenceContext

    def bind(self, context: DefenceContext) -> None:
        """Receive the static facts before the first payment (a no-op hook).

        Override to check parameters and set up state; call ``super().bind(context)``.
        Binding again resets the strategy.
        """
        self.context = context

    @abc.abstractmethod
    def decide(self, view: DefenceView) -> np.ndarray:
        """One action per attempt of ``view``: an int array of shape ``(len(view),)``."""

    def observe(self, feedback: DefenceFeedback) -> None:
        """Learn from labels in the order they became known (a no-op hook).

        Only called when ``learns_from_labels`` is True.
        """


DEFENCES = Registry("defence", base=BaseDefence, group="paysim.defence")
