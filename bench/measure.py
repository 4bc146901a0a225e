"""How the benchmark measures a tool: a timed child process (wall, CPU, peak memory of its whole
process tree), what it wrote, whether two outputs are byte-identical, and how long a served page
takes to show an edit."""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

MEMORY_POLL_SECONDS = 0.1
PAGE_POLL_SECONDS = 0.05


class ToolFailed(RuntimeError):
    pass


def _tree_memory(root: psutil.Process, cpu: dict[int, float] | None = None) -> tuple[int, int]:
    """Bytes resident in the process tree now (the sum of each process's RSS, read from
    /proc/PID/statm: cheap enough to poll without slowing the measured run, unlike the PSS of
    smaps, which takes about 70 ms for a 1.6 GB process), and how many processes there are.
    Workers started with spawn or forkserver share only read-only program files with their
    parent, so the sum is close; fork()ed workers would count pages still shared copy-on-write
    once per process, an upper bound.

    `cpu` gets each process's user + system seconds so far, by pid: wait4 counts only descendants
    that were waited for, and a multiprocessing forkserver (with the pool's workers under it) is
    not waited for by the process that started it."""
    total, processes = 0, 0
    for process in [root, *root.children(recursive=True)]:
        try:
            total += process.memory_info().rss
            processes += 1
            if cpu is not None:
                times = process.cpu_times()
                cpu[process.pid] = times.user + times.system
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            pass
    return total, processes


def run_measured(command: list[str], cwd: Path, log: Path, env: dict | None = None) -> dict:
    """Run `command` to its end; wall seconds, CPU seconds (user + system of the whole process
    tree: wait4's figure for the child and the descendants it waited for, or, when larger, the sum
    of every process's own times last seen by the poll, which also counts a forkserver's workers
    but misses up to 100 ms of each process's end), peak MB: the larger of the biggest single process
    (wait4's maxrss) and the highest sum over the live tree seen by polling every 100 ms (a
    process pool's workers run at once, and their memory adds up); and the most processes seen."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=output, stderr=subprocess.STDOUT, env=env)
        peak, most = [0], [1]
        cpu: dict[int, float] = {}
        done = threading.Event()

        def poll() -> None:
            try:
                root = psutil.Process(process.pid)
                while not done.is_set():
                    resident, processes = _tree_memory(root, cpu)
                    peak[0], most[0] = max(peak[0], resident), max(most[0], processes)
                    done.wait(MEMORY_POLL_SECONDS)
            except psutil.NoSuchProcess:
                pass

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        poller.join()
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise ToolFailed(f"{' '.join(map(str, command))} exited {process.returncode}:\n{tail}")
    peak_mb = max(usage.ru_maxrss * 1024, peak[0]) / 2**20
    cpu_seconds = max(usage.ru_utime + usage.ru_stime, sum(cpu.values()))
    return {"wall": round(wall, 2), "cpu": round(cpu_seconds, 2), "peak_mb": round(peak_mb), "processes": most[0]}


def folder_stats(folder: Path) -> dict:
    """Files, MB and the most files in one folder (static hosts limit that)."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    per_dir: dict[Path, int] = {}
    for path in files:
        per_dir[path.parent] = per_dir.get(path.parent, 0) + 1
    return {"files": len(files), "mb": round(sum(p.stat().st_size for p in files) / 1e6, 1), "max_per_dir": max(per_dir.values(), default=0)}


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under `folder` by relative path, with the SHA-256 of its bytes."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def tree_differences(a: Path, b: Path) -> list[str]:
    """Paths that differ between two trees (missing on one side or other bytes), sorted."""
    left, right = tree_digest(a), tree_digest(b)
    return sorted(path for path in left.keys() | right.keys() if left.get(path) != right.get(path))


def read_all(folder: Path) -> int:
    """Read every file once so the OS file cache holds it; returns the bytes read."""
    return sum(len(path.read_bytes()) for path in folder.rglob("*") if path.is_file())


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, ""
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return 0, ""


def wait_for_page(url: str, text: str, timeout: float, process: subprocess.Popen | None = None, absent: str | None = None) -> float | None:
    """Seconds until `url` serves a page containing `text` (and not `absent`), polled every 50 ms;
    None after `timeout` seconds or when `process` (the server) exits."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        status, body = fetch(url)
        if status == 200 and text in body and not (absent and absent in body):
            return time.perf_counter() - started
        if process is not None and process.poll() is not None:
            return None
        time.sleep(PAGE_POLL_SECONDS)
    return None


def wait_for_settled(status_url: str, builds_before: int, timeout: float, started: float) -> float | None:
    """Seconds from `started` (perf_counter) until govsite serve's status says a build after the
    `builds_before`-th has ended and nothing is pending: the whole rebuild, not only the page."""
    import json

    while time.perf_counter() - started < timeout:
        status, body = fetch(status_url)
        if status == 200:
            state = json.loads(body)
            if state["builds"] > builds_before and not state["building"] and not state["pending"]:
                return time.perf_counter() - started
        time.sleep(PAGE_POLL_SECONDS)
    return None


def stop(process: subprocess.Popen) -> None:
    """End a server we started, and its children, by process id."""
    if process.poll() is not None:
        return
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    process.terminate()
    for child in children:
        try:
            child.terminate()
        except psutil.NoSuchProcess:
            pass
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    psutil.wait_procs(children, timeout=5)
