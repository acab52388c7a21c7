"""AXWeb's model layer (no Django imports): providers, router, agent loop.

OpenMP threads that spin while waiting collapse throughput when the machine's cores are
shared with other processes (measured: 2 spinning threads ran ~10x slower than 1 under
load). Ask for passive waiting before torch is first imported; an explicit setting wins.
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
