"""``python -m gateway.indexer``: index alone, configured from the environment (see gateway.core.config)."""

from gateway.core.config import Settings
from gateway.indexer import run

if __name__ == "__main__":
    run(Settings())
