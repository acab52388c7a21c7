"""Canvas benchmark, in Chromium; prints JSON (median of 3 rounds per case and build).

    .venv/bin/python -m axweb.embedded_redis wrap -- .venv/bin/python -m tests.browser.bench_canvas
        [--case 500|2000 ...] [--rounds N] [--build NAME=DIR ...]

Cases: "500" (issue 17): 500 nodes / 600 edges holding 20 loop bodies; "2000" (issue 18 item 7):
2,000 nodes / 2,500 edges holding 80 loop bodies. Both by default.
--build NAME=DIR (twice or more): A/B comparison of app builds (DIR holds app/index.html, e.g.
artifacts/browser-build/<hash>), served by one server each over the same database; rounds alternate
between the builds, and the result gives each build's medians and their ratios to the first build.

load_ms           navigation start → the first frame showing the nodes and edges laid out has been
                  rendered (style, layout, paint); fresh context, cold HTTP cache, logged in.
                  A graph of 400 nodes or more is drawn as one layer when fitted
                  (editor/drawn.ts): that layer's first frame counts
load_frame_ms     navigation start → the start of that frame (load_ms before 2026-12-06: it left out
                  drawing the graph)
quiet_ms          navigation start → the first of ten frames in a row under 50 ms apart (at most
                  30 s after load): the load's leftover work is done; the gestures start then
                  (they started a fixed 500 ms after load before 2026-12-06)
pan_frame_ms_p95  95th percentile of requestAnimationFrame intervals over 3 s of mouse panning
                  (drag) and wheel zooming on the fitted graph (every node on screen)
zoom_frame_ms_p95 the same over 2 s of wheel zooming only (in and out around the pointer)
settle_frame_ms   the longest frame in the second after the gestures stop (the view is redrawn sharp
                  at the new zoom then: one long frame the user does not see while moving)
save_ms           POST /api/workflows/{id}/versions/ with the page's graph, via fetch in the page
save_ui_ms        the same through the UI: Save version → message → Save → "Saved version" toast
load_cpu_ms, pan_cpu_ms_per_frame: CPU time of all Chromium processes for the load, and per frame
                  while panning (the figures that do not grow when other work shares the machine)
Targets: load ≤ 1500 ms, p95 frame ≤ 20 ms, save ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, CDPSession, Page, sync_playwright

from tests.browser.canvas_graphs import CASES, Case, prepare
from tests.browser.live import CHROMIUM, CHROMIUM_ARGS, LiveApp
from tests.browser.standalone import PASSWORD, USERNAME, standalone

ROUNDS = 3
TARGETS = {"load_ms": 1500, "pan_frame_ms_p95": 20, "zoom_frame_ms_p95": 20, "save_ms": 300}


# Checks, per frame, whether the editor shows laid-out nodes and edges: React Flow's, or the drawn
# layer of a large graph seen from far (frontend/src/editor/drawn.ts). The first frame that does
# is "interactive": its time is taken once that frame is rendered (a message posted from its
# requestAnimationFrame callback is handled after the frame's style, layout and paint), so the
# figure includes drawing the graph, not only building it.
INTERACTIVE = """
(() => {
  const shown = (el) => el && getComputedStyle(el).visibility !== 'hidden';
  const check = () => {
    const node = document.querySelector('.react-flow__node');
    const drawn = document.querySelector('.drawn-graph');
    if ((shown(node) && document.querySelector('.react-flow__edge path'))
        || (shown(drawn) && drawn.querySelector('path.edges'))) {
      window.__interactive_frame = performance.now();
      const channel = new MessageChannel();
      channel.port1.onmessage = () => { window.__interactive = performance.now(); };
      channel.port2.postMessage(null);
      return;
    }
    requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();
"""

# Resolves with the time of the first of ten frames in a row drawn less than 50 ms apart (or with
# the time 30 s on, if that never happens): the work a load leaves behind its first frame (React
# Flow measuring every node, the latest version arriving) is done then, and is not panning.
QUIET = """() => new Promise((resolve) => {
  let last = performance.now(), start = last, run = 0;
  const f = (t) => {
    if (t - last < 50) run += 1; else { run = 0; start = t; }
    last = t;
    if (run >= 10) resolve(start); else requestAnimationFrame(f);
  };
  requestAnimationFrame(f);
  setTimeout(() => resolve(performance.now()), 30000);
})"""

# Frame timestamps, and the viewport transform seen at each frame (to prove the view really moved).
FRAMES_START = """() => {
  window.__frames = []; window.__views = []; window.__stop = false;
  const viewport = document.querySelector('.react-flow__viewport');
  const f = (t) => {
    window.__frames.push(t);
    window.__views.push(viewport.style.transform);
    if (!window.__stop) requestAnimationFrame(f);
  };
  requestAnimationFrame(f);
}"""

SAVE_FETCH = """
async ([id, graph]) => {
  const csrf = document.cookie.split('; ')
    .find((c) => c.startsWith('csrftoken='))?.split('=')[1] ?? '';
  const t0 = performance.now();
  const r = await fetch(`/api/workflows/${id}/versions/`, {
    method: 'POST', credentials: 'same-origin',
    headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf},
    body: JSON.stringify({graph, message: 'bench'})});
  await r.json();
  return [r.status, performance.now() - t0];
}
"""


def login(context: BrowserContext) -> None:
    page = context.new_page()
    page.goto("/login")
    page.locator("input[name=username]").fill(USERNAME)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("workflow-search").wait_for()
    page.close()


class CpuClock:
    """CPU seconds used by all Chromium processes (the machine is shared: wall time alone
    misleads)."""

    def __init__(self, browser: Browser) -> None:
        self.cdp = browser.new_browser_cdp_session()

    def by_type(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for proc in self.cdp.send("SystemInfo.getProcessInfo")["processInfo"]:
            out[proc["type"]] = out.get(proc["type"], 0.0) + 1000 * float(proc.get("cpuTime", 0))
        return out

    def now_ms(self) -> float:
        return sum(self.by_type().values())


MAIN_THREAD = ("ScriptDuration", "LayoutDuration", "RecalcStyleDuration", "TaskDuration")


def main_thread_ms(session: CDPSession) -> dict[str, float]:
    """Renderer main-thread time since Performance.enable (Performance.getMetrics; seconds → ms)."""
    metrics = {m["name"]: m["value"] for m in session.send("Performance.getMetrics")["metrics"]}
    return {name: 1000 * float(metrics.get(name, 0)) for name in MAIN_THREAD}


def measure_load(page: Page, workflow_id: int) -> tuple[float, float]:
    """Navigation → the first frame showing the graph rendered, and → that frame's start."""
    page.add_init_script(INTERACTIVE)
    page.goto(f"/workflows/{workflow_id}")
    page.wait_for_function("() => window.__interactive !== undefined", timeout=60_000)
    done, frame = page.evaluate("() => [window.__interactive, window.__interactive_frame]")
    return float(done), float(frame)


EMPTY_SPOT = """([x0, y0, x1, y1]) => {
  for (let y = y1; y >= y0; y -= 12) for (let x = x0; x <= x1; x += 12) {
    if (document.elementFromPoint(x, y)?.classList.contains('react-flow__pane')) return [x, y];
  }
  return null;
}"""


def canvas_area(page: Page) -> list[float]:
    box = page.get_by_test_id("canvas").bounding_box()
    assert box
    return [
        box["x"] + box["width"] * 0.3,
        box["y"] + box["height"] * 0.2,
        box["x"] + box["width"] * 0.7,
        box["y"] + box["height"] * 0.85,
    ]


def frame_gaps(page: Page, what: str) -> tuple[list[float], float]:
    """The rAF intervals, and the share of frames that showed a moved view (input arrives about
    every other frame on a quiet machine; far less often when Playwright's events queue behind
    other work, which the result then shows)."""
    frames, views = page.evaluate(
        "() => { window.__stop = true; return [window.__frames, window.__views]; }"
    )
    moved = sum(a != b for a, b in zip(views, views[1:], strict=False))
    if not moved:
        raise SystemExit(f"the view never moved in {len(frames)} frames: not a {what} measurement")
    gaps = [b - a for a, b in zip(frames, frames[1:], strict=False)]
    return gaps, moved / max(1, len(gaps))


def pan_and_zoom(page: Page, seconds: float = 3.0) -> tuple[list[float], float]:
    """Drags start on empty pane (a press on a node would move the node, not the view)."""
    area = canvas_area(page)
    page.evaluate(FRAMES_START)
    deadline, step = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        spot = page.evaluate(EMPTY_SPOT, area)
        if spot is None:
            raise SystemExit("no empty pane to drag on")
        cx, cy = spot
        page.mouse.move(cx, cy)
        page.mouse.down()
        for _ in range(20):  # a circle of drags: the view pans continuously
            step += 1
            page.mouse.move(cx + 120 * math.cos(step / 6), cy + 80 * math.sin(step / 6))
        page.mouse.up()
        for k in range(6):  # zoom in and back out around the pointer
            page.mouse.wheel(0, -120 if k < 3 else 120)
    return frame_gaps(page, "pan/zoom")


def zoom_only(page: Page, seconds: float = 2.0) -> tuple[list[float], float]:
    """Wheel notches in and out around the middle of the canvas (three in, three out)."""
    x0, y0, x1, y1 = canvas_area(page)
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2)
    page.evaluate(FRAMES_START)
    deadline, k = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        page.mouse.wheel(0, -60 if k % 6 < 3 else 60)
        k += 1
    return frame_gaps(page, "zoom")


def settle(page: Page) -> float:
    """Frames for a second after the last gesture: the longest one is the sharpening redraw."""
    page.evaluate(FRAMES_START)
    page.wait_for_timeout(1000)
    frames = page.evaluate("() => { window.__stop = true; return window.__frames; }")
    return max((b - a for a, b in zip(frames, frames[1:], strict=False)), default=0.0)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def save_through_ui(page: Page) -> float:
    page.get_by_test_id("save-version").click()
    page.get_by_test_id("version-message").fill("bench via ui")
    t0 = time.perf_counter()
    page.get_by_test_id("save-version-submit").click()
    page.locator(".toast", has_text="Saved version").wait_for(timeout=30_000)
    return (time.perf_counter() - t0) * 1000


def one_round(
    browser: Browser, url: str, workflow_id: int, graph: dict[str, Any]
) -> dict[str, float]:
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 800})
    try:
        login(context)
        page, cpu = context.new_page(), CpuClock(browser)
        start = cpu.now_ms()
        load, load_frame = measure_load(page, workflow_id)
        load_cpu = cpu.now_ms() - start
        print(
            f"  load_ms={load:.0f} load_frame_ms={load_frame:.0f} load_cpu_ms={load_cpu:.0f}",
            file=sys.stderr,
            flush=True,
        )
        quiet = page.evaluate(QUIET)  # pan once the load's leftover work is done
        session = context.new_cdp_session(page)
        session.send("Performance.enable")
        cpu0, main0 = cpu.by_type(), main_thread_ms(session)
        gaps, pan_moved = pan_and_zoom(page)
        frames = max(1, len(gaps))
        cpu1, main1 = cpu.by_type(), main_thread_ms(session)
        pan_cpu = {k: (cpu1[k] - cpu0.get(k, 0.0)) / frames for k in cpu1}
        pan_main = {k: (main1[k] - main0[k]) / frames for k in MAIN_THREAD}
        settle_frame = settle(page)
        zoom_gaps, zoom_moved = zoom_only(page)
        settle(page)
        status, save = page.evaluate(SAVE_FETCH, [workflow_id, graph])
        if status != 201:
            raise SystemExit(f"saving a version answered {status}")
        return {
            "load_ms": load,
            "load_frame_ms": load_frame,
            "quiet_ms": float(quiet),
            "pan_frame_ms_p95": p95(gaps),
            "zoom_frame_ms_p95": p95(zoom_gaps),
            "save_ms": save,
            "save_ui_ms": save_through_ui(page),
            "frames": float(len(gaps) + 1),
            "pan_frame_ms_median": statistics.median(gaps),
            "zoom_frame_ms_median": statistics.median(zoom_gaps),
            "settle_frame_ms": settle_frame,
            "pan_moved_frames_share": pan_moved,
            "zoom_moved_frames_share": zoom_moved,
            "load_cpu_ms": load_cpu,
            "pan_cpu_ms_per_frame": sum(pan_cpu.values()),
            **{f"pan_cpu_ms_per_frame_{k.lower()}": v for k, v in pan_cpu.items()},
            **{
                f"pan_main_ms_per_frame_{k.removesuffix('Duration').lower()}": v
                for k, v in pan_main.items()
            },
        }
    finally:
        context.close()


def medians(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {k: round(statistics.median(r[k] for r in rounds), 1) for k in rounds[0]}


def summary(case: Case, by_build: dict[str, list[dict[str, float]]]) -> dict[str, Any]:
    """One build: its medians and rounds; several: each build's, and the ratios to the first."""
    out: dict[str, Any] = {"nodes": case.nodes, "edges": case.edges, "loop_bodies": case.loops}
    results = {name: medians(rounds) for name, rounds in by_build.items()}
    for name, result in results.items():
        result["meets_targets"] = {k: result[k] <= v for k, v in TARGETS.items()}  # type: ignore[assignment]
        result["rounds"] = [{k: round(v, 1) for k, v in r.items()} for r in by_build[name]]  # type: ignore[assignment]
    if len(results) == 1:
        out.update(next(iter(results.values())))
        return out
    first, base = next(iter(results.items()))
    out["builds"] = results
    out["ratio_to_" + first] = {
        name: {
            k: round(result[k] / base[k], 2)
            for k in (*TARGETS, "load_cpu_ms", "pan_cpu_ms_per_frame")
            if base[k]
        }
        for name, result in results.items()
        if name != first
    }
    return out


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="default: all")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument(
        "--build", action="append", default=[], metavar="NAME=DIR", help="A/B: builds to compare"
    )
    args = parser.parse_args()
    args.builds = dict(b.split("=", 1) for b in args.build)
    for name, folder in args.builds.items():
        if not (Path(folder) / "app" / "index.html").exists():
            parser.error(f"--build {name}: no app/index.html in {folder}")
    return args


def main() -> None:
    args = parse_args()
    cases = {name: CASES[name] for name in args.case or CASES}
    with standalone(os.environ["REDIS_URL"]) as app, sync_playwright() as pw:
        api = httpx.Client(
            base_url=app.app.url, headers={"Authorization": f"Bearer {app.token}"}, timeout=60
        )
        api.post(
            "/api/agents/", json={"name": "writer", "model": "builtin:smollm2-135m"}
        ).raise_for_status()
        servers: dict[str, LiveApp] = {}
        try:
            for name, folder in args.builds.items():
                env = {**app.app.env, "AXWEB_BROWSER_BUILD": str(Path(folder).resolve())}
                servers[name] = LiveApp(env, app.app.log_dir / name, worker=False)
            for server in servers.values():
                server.wait_ready()
            urls = {name: s.url for name, s in servers.items()} or {"this": app.app.url}
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            result: dict[str, Any] = {}
            try:
                for case_name, case in cases.items():
                    workflow_id = prepare(api, case)
                    graph = (
                        api.get(f"/api/workflows/{workflow_id}/versions/1/")
                        .raise_for_status()
                        .json()["graph"]
                    )
                    by_build: dict[str, list[dict[str, float]]] = {name: [] for name in urls}
                    for r in range(args.rounds):
                        for name, url in urls.items():  # alternating: A, B, A, B, …
                            print(f"case {case_name} round {r + 1} {name}", file=sys.stderr)
                            by_build[name].append(one_round(browser, url, workflow_id, graph))
                    result[case_name] = summary(case, by_build)
            finally:
                browser.close()
        finally:
            for server in servers.values():
                server.stop()
    result["targets"] = TARGETS
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
