"""Fraud: attackers as agents of the world, the signals a platform sees, the review team.

The ``fraud`` scenario section (attackers, the risk score, step-up behaviour) and
``risk.review``; attackers that take over checkouts (stolen cards, account takeover, friendly
fraud) or send bursts of probes (card testing), each on its own named random stream; the
signals and the shipped risk-score distributions; the manual-review queue; what the defence
strategies are shown (``signals``).

May import: core, money, channels, checkout, demand.
"""
