"""The scale benchmark (`make bench`, `make bench SIZE=L`; DESIGN §7).

    python bench/run.py [S M L] [--repeat 3] [--seed N]

For each size: generate (or reuse) the synthetic cycle (bench/generate.py), then `repeat` times
  * run the real compile as a whole process
        python -m compiler compile CYCLE --output OUT --timings T.json --quiet
    and time it from the outside (interpreter start, imports and master included);
  * run the I/O floor (bench/floor.py) with 1 worker and with 2 workers;
and report per stage the median over the runs, the median wall time, the memory, the floor
(the faster of the two floor medians) and compile / floor.

Stages: read, identify, candidates and render run in turn (`other` = wall − their sum).  Within
read, the main process validates each workbook while the workers read the next ones (`validate`
is the main process's time on it); within render, the writers (xlsx, docx, report, returns) run
side by side, the longest (xlsx) in the main process and the others in forked workers (each figure
is a writer's own time; they overlap).

Memory: the process tree of each compile is sampled from /proc (status every 50 ms; PSS, which
costs the sampled process a page-table walk, at most 2 % of the time).  `peak` is the largest sum
over the tree of each process's PSS (proportional set size: a page shared between the main
process and a forked worker counts once in all, split between them), i.e. the memory the machine
needed at the worst moment; `main` is the exact VmHWM of the compile process alone.

Results go to bench-work/results-<size>.json.  The last lines read
    bench M: compile X s, floor Y s, ratio Z, peak N MB
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = REPO / "bench-work"
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402

STAGES = ("read", "identify", "candidates", "frames", "budget", "render")  # in turn: their sum + other = wall
WITHIN = {"validate": "read", "xlsx": "render", "docx": "render", "report": "render",
          "returns": "render", "opendata": "render"}  # overlapping parts
POLL_S = 0.05
PSS_SHARE = 50  # wait 50 times as long as a PSS reading took before the next one


@dataclass
class Measured:
    rc: int
    wall: float
    main_hwm_kb: int = 0
    worker_hwm_kb: int = 0
    workers_seen: int = 0
    tree_rss_peak_kb: int = 0  # sampled sum of VmRSS over the tree (shared pages counted in every process)
    tree_pss_peak_kb: int = 0  # sampled sum of Pss over the tree
    stdout: str = ""
    stderr: str = ""

    @property
    def peak_mb(self) -> float:
        return max(self.tree_pss_peak_kb, self.main_hwm_kb) / 1024


def _status(pid: int) -> tuple[int, int]:
    """(VmHWM, VmRSS) in kB, (0, 0) when the process is gone."""
    hwm = rss = 0
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    hwm = int(line.split()[1])
                elif line.startswith(b"VmRSS:"):
                    rss = int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return hwm, rss


def _pss(pid: int) -> int:
    """Pss in kB (0 when the process is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as f:
                out += [int(x) for x in f.read().split()]
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return out


def run_measured(cmd: list[str], env: dict[str, str] | None = None) -> Measured:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=err)
        hwm: dict[int, int] = {}
        tree_peak = pss_peak = 0
        next_pss = 0.0
        while True:
            done = proc.poll() is not None
            if done:
                break
            pids = [proc.pid]
            k = 0
            while k < len(pids):
                pids += _children(pids[k])
                k += 1
            total = 0
            for pid in pids:
                h, r = _status(pid)
                if h:
                    hwm[pid] = max(hwm.get(pid, 0), h)
                total += r
            tree_peak = max(tree_peak, total)
            now = time.perf_counter()
            if now >= next_pss:
                # smaps_rollup walks a process's page tables under its memory lock: read it seldom
                # enough to cost the compile under 2 % (a gigabyte-sized process takes milliseconds)
                pss_peak = max(pss_peak, sum(_pss(pid) for pid in pids))
                took = time.perf_counter() - now
                next_pss = time.perf_counter() + max(POLL_S, PSS_SHARE * took)
            time.sleep(POLL_S)
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        m = Measured(proc.returncode, wall, stdout=out.read().decode("utf-8", "replace"),
                     stderr=err.read().decode("utf-8", "replace"))
    workers = {pid: h for pid, h in hwm.items() if pid != proc.pid}
    m.main_hwm_kb = max(hwm.get(proc.pid, 0), 0)
    m.worker_hwm_kb = max(workers.values(), default=0)
    m.workers_seen = len(workers)
    m.tree_rss_peak_kb = tree_peak
    m.tree_pss_peak_kb = pss_peak
    return m


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def _load() -> tuple[float, float, float]:
    try:
        return os.getloadavg()
    except OSError:
        return (0.0, 0.0, 0.0)


def bench_size(size: str, repeat: int, seed: int) -> dict:
    t = time.perf_counter()
    cycle = generate.generate(size, seed)
    gen_s = time.perf_counter() - t
    manifest = json.loads((cycle / "manifest.json").read_text(encoding="utf-8"))
    runs_dir = WORK / "runs" / size
    shutil.rmtree(runs_dir, ignore_errors=True)
    runs_dir.mkdir(parents=True)
    env = {**os.environ, "CI": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    py = sys.executable
    load_before = _load()
    compiles: list[dict] = []
    floors: dict[int, list[dict]] = {1: [], 2: []}
    failure = ""
    for k in range(repeat):
        out = runs_dir / f"out-{k}"
        timings = runs_dir / f"timings-{k}.json"
        cmd = [py, "-m", "compiler", "compile", str(cycle), "--output", str(out), "--timings", str(timings), "--quiet"]
        m = run_measured(cmd, env)
        if m.rc != 0 or not timings.is_file():
            failure = (m.stderr.strip().splitlines() or [f"exit {m.rc}"])[-1]
            print(f"  compile {size} run {k + 1} failed (exit {m.rc}): {failure}", file=sys.stderr)
            print("\n".join(m.stderr.strip().splitlines()[-15:]), file=sys.stderr)
            break
        stages = json.loads(timings.read_text(encoding="utf-8"))
        compiles.append({"wall_s": round(m.wall, 3), "stages_s": {s: round(v, 3) for s, v in stages.items()},
                         "main_hwm_mb": round(m.main_hwm_kb / 1024, 1), "worker_hwm_mb": round(m.worker_hwm_kb / 1024, 1),
                         "workers_seen": m.workers_seen, "tree_rss_peak_mb": round(m.tree_rss_peak_kb / 1024, 1),
                         "tree_pss_peak_mb": round(m.tree_pss_peak_kb / 1024, 1),
                         "peak_mb": round(m.peak_mb, 1), "summary": m.stdout.strip().splitlines()})
        shutil.rmtree(out, ignore_errors=True)
        for w in (1, 2):
            fj = runs_dir / f"floor-{w}-{k}.json"
            fm = run_measured([py, str(BENCH / "floor.py"), str(cycle), "--workers", str(w),
                               "--output", str(runs_dir / "floor-out"), "--json", str(fj)], env)
            if fm.rc != 0:
                raise SystemExit(f"floor.py failed: {fm.stderr}")
            info = json.loads(fj.read_text(encoding="utf-8"))
            floors[w].append({"wall_s": round(fm.wall, 3), "read_s": info["read_s"], "write_s": info["write_s"],
                              "rows": info["rows"], "cells": info["cells"], "peak_mb": round(fm.peak_mb, 1)})
    shutil.rmtree(runs_dir / "floor-out", ignore_errors=True)
    load_after = _load()
    result: dict = {
        "size": size, "date": dt.date.today().isoformat(), "seed": seed, "repeat": repeat,
        "machine": {"cpus": os.cpu_count(), "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
                    "python": platform.python_version(), "platform": platform.platform()},
        "load_before": [round(x, 2) for x in load_before], "load_after": [round(x, 2) for x in load_after],
        "cycle": str(cycle.relative_to(REPO)), "generate_s": round(gen_s, 2),
        "input": {k: manifest[k] for k in ("books", "departments", "rows", "project_rows", "error_rows", "bytes")},
        "compile_runs": compiles, "floor_runs": {str(w): v for w, v in floors.items()}, "failure": failure,
    }
    if compiles:
        med = {s: round(median([c["stages_s"].get(s, 0.0) for c in compiles]), 3) for s in STAGES + tuple(WITHIN)}
        wall = median([c["wall_s"] for c in compiles])
        floor_by_w = {w: median([f["wall_s"] for f in fs]) for w, fs in floors.items() if fs}
        best_w = min(floor_by_w, key=floor_by_w.get)
        floor = floor_by_w[best_w]
        result.update({
            "stages_median_s": med, "other_median_s": round(wall - sum(med[s] for s in STAGES), 3),
            "compile_median_s": round(wall, 3), "floor_s": round(floor, 3), "floor_workers": best_w,
            "floor_median_by_workers_s": {str(w): round(v, 3) for w, v in floor_by_w.items()},
            "floor_read_median_s": round(median([f["read_s"] for f in floors[best_w]]), 3),
            "floor_write_median_s": round(median([f["write_s"] for f in floors[best_w]]), 3),
            "ratio": round(wall / floor, 2),
            "main_peak_mb": max(c["main_hwm_mb"] for c in compiles),
            "worker_peak_mb": max(c["worker_hwm_mb"] for c in compiles),
            "tree_rss_peak_mb": max(c["tree_rss_peak_mb"] for c in compiles),
            "peak_mb": max(c["peak_mb"] for c in compiles),
        })
    WORK.mkdir(exist_ok=True)
    (WORK / f"results-{size}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return result


def report(r: dict) -> None:
    inp = r["input"]
    rows = inp["rows"]
    print(f"\n== bench {r['size']}: {inp['books']:,} workbooks, {inp['project_rows']:,} rows "
          f"(総合計画 {rows['総合計画']:,} / 国土強靱化 {rows['国土強靱化']:,} / 総合戦略 {rows['総合戦略']:,}) "
          f"+ 成果指標 {rows['成果指標']:,}; {inp['bytes'] / 1e6:.1f} MB; {r['repeat']} runs; "
          f"load {r['load_before'][0]:.2f}→{r['load_after'][0]:.2f}")
    if max(r["load_before"][0], r["load_after"][0]) > 0.7:
        print("   note: the machine was busy (load average > 0.7): figures are noisier than usual")
    if not r["compile_runs"]:
        print(f"   compile failed: {r['failure']}")
        return
    print(f"   {'stage':<12}{'median s':>10}   runs")
    for stage in STAGES:
        for s in (stage, *(w for w, parent in WITHIN.items() if parent == stage)):
            vals = [c["stages_s"].get(s) for c in r["compile_runs"]]
            if all(v is None for v in vals):
                continue
            name = f"  {s}" if s in WITHIN else s
            note = f"   (within {WITHIN[s]}, overlapping)" if s in WITHIN else ""
            print(f"   {name:<12}{r['stages_median_s'][s]:>10.2f}   "
                  + " ".join(f"{v:.2f}" for v in vals if v is not None) + note)
    print(f"   {'other':<12}{r['other_median_s']:>10.2f}   (start-up, imports, master, CLI, accounting, moving outputs)")
    print(f"   {'compile':<12}{r['compile_median_s']:>10.2f}   " + " ".join(f"{c['wall_s']:.2f}" for c in r["compile_runs"])
          + "   (whole process, wall)")
    for w, v in r["floor_median_by_workers_s"].items():
        fs = r["floor_runs"][w]
        print(f"   {'floor ' + w + 'w':<12}{v:>10.2f}   " + " ".join(f"{f['wall_s']:.2f}" for f in fs)
              + f"   (read {median([f['read_s'] for f in fs]):.2f} + write {median([f['write_s'] for f in fs]):.2f}, "
                f"{fs[0]['rows']:,} rows)")
    print(f"   memory: peak {r['peak_mb']:.0f} MB (process tree, sum of PSS); main process VmHWM "
          f"{r['main_peak_mb']:.0f} MB; largest worker VmHWM {r['worker_peak_mb']:.0f} MB; "
          f"tree sum of RSS {r['tree_rss_peak_mb']:.0f} MB")


def line(r: dict) -> str:
    if not r.get("compile_runs"):
        return f"bench {r['size']}: compile FAILED ({r.get('failure', '')})"
    return (f"bench {r['size']}: compile {r['compile_median_s']:.2f} s, floor {r['floor_s']:.2f} s, "
            f"ratio {r['ratio']:.2f}, peak {r['peak_mb']:.0f} MB")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sizes", nargs="*", default=["S", "M"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    args = ap.parse_args(argv)
    sizes = [s.upper() for s in " ".join(args.sizes).replace(",", " ").split()]
    bad = [s for s in sizes if s not in generate.SIZES]
    if bad:
        ap.error(f"unknown size {' '.join(bad)}; choose from {' '.join(generate.SIZES)}")
    results = []
    for size in sizes:
        r = bench_size(size, args.repeat, args.seed)
        report(r)
        results.append(r)
    print()
    for r in results:
        print(line(r))
    return 0 if all(r.get("compile_runs") for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
