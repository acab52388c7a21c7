import os

# Before anything imports torch: idle OpenMP threads must not spin, or two processes
# sharing two cores slow generation to a crawl (measured: 1.4 vs 16.6 tokens/s).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from axweb.celery import app as celery_app  # noqa: E402

__all__ = ["celery_app"]
