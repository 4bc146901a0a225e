"""govsite's benchmark: build and search at N documents, side by side with Pagefind, against the
previous figures kept in bench/results.json.

    python3 bench/benchmark.py --documents 5000 20000

Needs the test extra and the benchmark-only tools: `pip install 'pagefind[extended]'` and
Debian's chromium. Bytes are counted as served: every file the browser fetched for a query,
gzip-compressed (level 6, what a static host sends; Pagefind's index files are compressed
already and count as they are). Nothing here is a unit test: numbers are printed, kept and
compared, never asserted."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from corpus import generate  # noqa: E402

RESULTS = REPO / "bench" / "results.json"
TODAY = "2026-11-24"
QUERIES = [
    "通知", "财政局", "县财政局", "政府采购 中标", "安全生产", "教育 补助 标准", "医疗救助",
    "乡村振兴 项目", "预算", "青政发〔2020〕3号", "老旧小区 改造", "食品安全 抽检 结果",
]
"""One- to three-word queries of the kind readers type: organs, topics, a 文号, common words."""
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic"]


def run_timed(command: list[str], cwd: Path) -> dict:
    """Wall and CPU seconds and peak memory of one child process (os.wait4 gives its own rusage)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{output}")
    return {"wall": round(wall, 2), "cpu": round(usage.ru_utime + usage.ru_stime, 2), "peak_mb": round(usage.ru_maxrss / 1024)}


def folder_stats(folder: Path) -> dict:
    files = [p for p in folder.rglob("*") if p.is_file()]
    per_dir: dict[Path, int] = {}
    for path in files:
        per_dir[path.parent] = per_dir.get(path.parent, 0) + 1
    return {"files": len(files), "mb": round(sum(p.stat().st_size for p in files) / 1e6, 1), "max_per_dir": max(per_dir.values(), default=0)}


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"


def served_size(root: Path, url_path: str, cache: dict) -> tuple[int, int]:
    """Bytes a static host sends for one file: (gzip -6, brotli -q 5 as Netlify-like CDNs send to
    browsers that accept br); a file that is compressed already counts as it is in both."""
    from urllib.parse import unquote

    import brotli

    if url_path not in cache:
        data = (root / unquote(url_path).lstrip("/")).read_bytes()
        compressed = data[:2] == b"\x1f\x8b" or url_path.endswith((".pf_fragment", ".pf_index", ".pf_meta", ".pf_filter", ".wasm"))
        cache[url_path] = (len(data), len(data)) if compressed else (len(gzip.compress(data, 6)), len(brotli.compress(data, quality=5)))
    return cache[url_path]


GOVSITE_QUERY = """async (q) => {
  const t = performance.now();
  const r = await window.GovsiteSearch.search(q, {pageSize: 10});
  return {ms: performance.now() - t, total: r.total};
}"""
PAGEFIND_QUERY = """async (q) => {
  const t = performance.now();
  const r = await window.pagefind.search(q);
  await Promise.all(r.results.slice(0, 10).map(x => x.data()));
  return {ms: performance.now() - t, total: r.results.length};
}"""
PAGEFIND_PAGE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>pagefind</title>
<script type="module">import * as pagefind from "/_pagefind/pagefind.js"; await pagefind.options({}); window.pagefind = pagefind; window.ready = true;</script>
</head><body></body></html>"""


def measure_queries(browser, base: str, root: Path, page_path: str, script: str, counted: tuple[str, ...], ready: str) -> dict:
    """Cold bytes per query (fresh browser context each), then warm timings over 5 rounds."""
    cache: dict[str, int] = {}
    cold_bytes, cold_brotli, totals = [], [], {}
    for query in QUERIES:
        context = browser.new_context()
        page = context.new_page()
        fetched: list[str] = []
        page.on("requestfinished", lambda request: fetched.append(request.url))
        page.goto(base + page_path)
        page.wait_for_function(ready)
        result = page.evaluate(script, query)
        totals[query] = result["total"]
        paths = [u[len(base) - 1 :].split("?")[0] for u in fetched]
        sizes = [served_size(root, p, cache) for p in set(paths) if p.startswith(counted)]
        cold_bytes.append(sum(gz for gz, _ in sizes))
        cold_brotli.append(sum(br for _, br in sizes))
        context.close()
    context = browser.new_context()
    page = context.new_page()
    page.goto(base + page_path)
    page.wait_for_function(ready)
    for query in QUERIES:  # first round fills the cache
        page.evaluate(script, query)
    times = [page.evaluate(script, query)["ms"] for _ in range(5) for query in QUERIES]
    context.close()
    return {
        "cold_kb_max": round(max(cold_bytes) / 1024, 1),
        "cold_kb_median": round(statistics.median(cold_bytes) / 1024, 1),
        "cold_kb_max_brotli": round(max(cold_brotli) / 1024, 1),
        "worst_query": QUERIES[cold_bytes.index(max(cold_bytes))],
        "warm_ms_p50": round(statistics.median(times), 1),
        "warm_ms_p95": round(statistics.quantiles(times, n=20)[-1], 1),
        "results": totals,
    }


def bench(count: int, work: Path, with_pagefind: bool) -> dict:
    content = work / f"corpus-{count}" / "content"
    if not content.exists():
        generate(content, count)
    site_root = content.parent
    out = site_root / "build"
    govsite = run_timed([sys.executable, "-m", "govsite", "build", "--today", TODAY, "--out", str(out)], site_root)
    row = {"documents": count, "govsite_build": govsite, "govsite_index": folder_stats(out / "search")}
    pagefind_out = out / "_pagefind"
    if with_pagefind:
        shutil.rmtree(pagefind_out, ignore_errors=True)
        row["pagefind_build"] = run_timed([sys.executable, "-m", "pagefind", "--site", str(out), "--output-subdir", "_pagefind"], site_root)
        row["pagefind_index"] = folder_stats(pagefind_out)
        (out / "_pagefind_bench.html").write_text(PAGEFIND_PAGE, encoding="utf-8")
    from playwright.sync_api import sync_playwright

    server, base = serve(out)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=os.environ.get("GOVSITE_CHROMIUM", "/usr/bin/chromium"), args=CHROMIUM_ARGS)
            row["govsite_query"] = measure_queries(
                browser, base, out, "search/", GOVSITE_QUERY, ("/search/meta.", "/search/t.", "/search/s/", "/search/f/", "/static/search"), "window.GovsiteSearch !== undefined"
            )
            if with_pagefind:
                row["pagefind_query"] = measure_queries(browser, base, out, "_pagefind_bench.html", PAGEFIND_QUERY, ("/_pagefind/",), "window.ready === true")
            browser.close()
    finally:
        server.shutdown()
    return row


def print_table(rows: list[dict], previous: dict) -> None:
    print()
    print(f"{'documents':>9}  {'tool':<9} {'build s':>8} {'cpu s':>7} {'peak MB':>8} {'index MB':>9} {'files':>7} {'max/dir':>7} "
          f"{'cold KB max':>11} {'cold KB med':>11} {'max br KB':>9} {'warm p50 ms':>11} {'warm p95 ms':>11}")
    for row in rows:
        for tool in ("govsite", "pagefind"):
            if f"{tool}_build" not in row:
                continue
            build, index, query = row[f"{tool}_build"], row[f"{tool}_index"], row.get(f"{tool}_query", {})
            print(f"{row['documents']:>9}  {tool:<9} {build['wall']:>8} {build['cpu']:>7} {build['peak_mb']:>8} {index['mb']:>9} "
                  f"{index['files']:>7} {index['max_per_dir']:>7} {query.get('cold_kb_max', '-'):>11} {query.get('cold_kb_median', '-'):>11} "
                  f"{query.get('cold_kb_max_brotli', '-'):>9} "
                  f"{query.get('warm_ms_p50', '-'):>11} {query.get('warm_ms_p95', '-'):>11}")
        before = previous.get(str(row["documents"]))
        if before:
            changes = []
            for key, label in (("govsite_build", "build s"), ):
                old, new = before[key]["wall"], row[key]["wall"]
                changes.append(f"{label} {old} → {new} ({(new - old) / old:+.0%})")
            old_q, new_q = before.get("govsite_query", {}), row.get("govsite_query", {})
            for key in ("cold_kb_max", "warm_ms_p95"):
                if key in old_q and key in new_q and old_q[key]:
                    changes.append(f"{key} {old_q[key]} → {new_q[key]} ({(new_q[key] - old_q[key]) / old_q[key]:+.0%})")
            print(f"{'':>11}govsite against the previous run: " + "; ".join(changes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, nargs="+", default=[5000])
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "govsite-bench")
    parser.add_argument("--no-pagefind", action="store_true")
    parser.add_argument("--no-save", action="store_true", help="do not overwrite bench/results.json")
    args = parser.parse_args()
    previous = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    rows = [bench(count, args.work, not args.no_pagefind) for count in args.documents]
    print_table(rows, previous)
    if not args.no_save:
        merged = {**previous, **{str(row["documents"]): row for row in rows}}
        RESULTS.write_text(json.dumps(merged, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
