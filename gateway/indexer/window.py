"""Block windows for eth_getLogs that adapt to the node: halve on refusal or too many logs, double when fast."""

from __future__ import annotations


class AdaptiveWindow:
    def __init__(self, initial: int, minimum: int, maximum: int, max_logs: int, target_seconds: float) -> None:
        self.minimum = max(1, minimum)
        self.maximum = max(self.minimum, maximum)
        self.size = min(max(initial, self.minimum), self.maximum)
        self.max_logs = max_logs
        self.target_seconds = target_seconds

    def shrink(self) -> bool:
        """Halve after a refusal; False when already at the minimum."""
        if self.size <= self.minimum:
            return False
        self.size = max(self.minimum, self.size // 2)
        return True

    def observe(self, blocks: int, logs: int, seconds: float) -> None:
        if logs > self.max_logs or seconds > 4 * self.target_seconds:
            self.shrink()
        elif blocks >= self.size and seconds < self.target_seconds and logs < self.max_logs // 2:
            self.size = min(self.maximum, self.size * 2)
