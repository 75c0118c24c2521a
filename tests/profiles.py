"""Hypothesis profiles for the stateful contract tests.

``ci`` (the default) keeps each state machine to a few hundred random steps so the suite stays fast.
``deep`` (``pytest --hypothesis-profile deep --chain anvil -m slow tests/contracts``) runs at least 10,000 steps
per contract family; it runs outside CI, and the README records its last result.
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings

#: Steps per example in both profiles; ``deep`` multiplies the examples, not the run length.
DEEP_EXAMPLES = 700

settings.register_profile("ci", deadline=None)
settings.register_profile("deep", deadline=None, max_examples=DEEP_EXAMPLES, print_blob=True)
settings.load_profile("ci")


def stateful_settings(examples: int, steps: int) -> settings:
    """Settings for a chain-backed state machine: `examples` × `steps` under ``ci``; at least 10,000 steps under
    ``deep``. No shrinking: every step is a transaction, and the unshrunk failing run is printed anyway."""
    deep = settings().max_examples >= DEEP_EXAMPLES
    return settings(
        max_examples=max(examples, -(-10_000 // steps)) if deep else examples,
        stateful_step_count=steps,
        deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
    )
