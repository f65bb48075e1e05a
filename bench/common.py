"""Shared helpers for the benchmark scripts: machine description, result files, statistics.

Every benchmark compares arms measured side by side in one process, interleaved
(A, B, A, B, ... with the order rotated each round so a slow spell on this shared machine
hits every arm alike), and reports the median and the spread (min..max) of the repeats.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results")


# --------------------------------------------------------------------------- machine
def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info() -> dict[str, str]:
    """nproc, CPU model, memory, Python / TensorFlow / Keras / numpy versions."""
    info = {
        "nproc": str(os.cpu_count()),
        "cpu": cpu_model(),
        "python": platform.python_version(),
    }
    try:
        import psutil

        info["memory"] = f"{psutil.virtual_memory().total / 2**30:.1f} GiB"
    except Exception:  # pragma: no cover - psutil is a dev dependency
        pass
    try:
        import keras
        import numpy
        import tensorflow as tf

        info.update(tensorflow=tf.__version__, keras=keras.__version__, numpy=numpy.__version__)
    except Exception as exc:  # pragma: no cover
        info["tensorflow"] = f"unavailable ({exc})"
    try:
        info["load average at start"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        pass
    return info


def command_line() -> str:
    return ".venv/bin/python " + " ".join(shlex.quote(a) for a in [os.path.relpath(sys.argv[0], ROOT)] + sys.argv[1:])


# --------------------------------------------------------------------------- output
def md_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    def cell(v: Any) -> str:
        return str(v).replace("|", "\\|")

    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    for r in rows:
        out.append("| " + " | ".join(cell(v) for v in r) + " |")
    return "\n".join(out)


class Report:
    """Collects markdown sections, prints them as they come, writes bench/results/<name>.md."""

    def __init__(self, name: str, title: str):
        self.name = name
        self.title = title
        self.sections: list[str] = []
        self.started = _dt.datetime.now().astimezone()
        self.t0 = time.perf_counter()
        self.info = machine_info()

    def add(self, text: str) -> None:
        self.sections.append(text.rstrip() + "\n")
        print(text.rstrip() + "\n", flush=True)

    def table(self, heading: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], note: str = "") -> None:
        text = f"### {heading}\n\n" + md_table(headers, rows) + "\n"
        if note:
            text += "\n" + note.rstrip() + "\n"
        self.add(text)

    def write(self) -> str:
        os.makedirs(RESULTS, exist_ok=True)
        path = os.path.join(RESULTS, f"{self.name}.md")
        took = time.perf_counter() - self.t0
        head = [
            f"## {self.title}",
            "",
            f"- command: `{command_line()}`",
            f"- date: {self.started.strftime('%Y-%m-%d %H:%M %Z')} (took {took / 60:.1f} min)",
            "- machine: " + "; ".join(f"{k} {v}" for k, v in self.info.items()),
            "",
        ]
        with open(path, "w") as f:
            f.write("\n".join(head) + "\n" + "\n".join(self.sections))
        print(f"wrote {os.path.relpath(path, ROOT)}", flush=True)
        return path


# --------------------------------------------------------------------------- statistics
def median(xs: Sequence[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def spread(xs: Sequence[float], fmt: str = "{:.2f}") -> str:
    """'median (min..max)' of the repeats."""
    if not xs:
        return "n/a"
    if len(xs) == 1:
        return fmt.format(xs[0])
    return f"{fmt.format(median(xs))} ({fmt.format(min(xs))}..{fmt.format(max(xs))})"


def interleave(arms: dict[str, Callable[[], Any]], repeats: int, log: bool = True) -> dict[str, list[Any]]:
    """Run each arm ``repeats`` times, interleaved, rotating the order every round.

    Round r runs the arms starting at index r mod k (A B C, B C A, C A B, ...), so no arm
    always runs first or after the same neighbour.
    """
    names = list(arms)
    out: dict[str, list[Any]] = {n: [] for n in names}
    for r in range(repeats):
        k = r % len(names)
        for n in names[k:] + names[:k]:
            t = time.perf_counter()
            out[n].append(arms[n]())
            if log:
                print(f"  round {r + 1}/{repeats} {n}: {out[n][-1]!s:.80} ({time.perf_counter() - t:.1f} s)",
                      flush=True)
    return out


def paired_ratios(num: Sequence[float], den: Sequence[float]) -> list[float]:
    """Per-round ratios num[i] / den[i] (arms of one round ran next to each other)."""
    return [a / b for a, b in zip(num, den, strict=False)]


# --------------------------------------------------------------------------- data
_DATA: dict[tuple, Any] = {}


def fashion(limit: int | None = None, test_limit: int | None = None):
    """Fashion-MNIST (Debian's 60k/10k IDX files), optionally a seeded stratified subset."""
    from aecore.data import load_dataset

    key = (limit, test_limit)
    if key not in _DATA:
        if limit is not None and test_limit is None:
            test_limit = 10_000
        _DATA[key] = load_dataset("fashion_mnist", limit=limit, test_limit=test_limit)
    return _DATA[key]


# --------------------------------------------------------------------------- TrainingRun timing
class EpochClock:
    """Wall-clock stamps of a TrainingRun's epoch boundaries, taken from its own callback.

    Wraps the run's ``_on_epoch_begin`` / ``_on_epoch_end`` hooks (the Keras callback calls
    them by attribute), adding one ``perf_counter()`` per epoch.
    """

    def __init__(self, run):
        self.begin: list[float] = []
        self.end: list[float] = []
        ob, oe = run._on_epoch_begin, run._on_epoch_end

        def on_begin(epoch):
            self.begin.append(time.perf_counter())
            ob(epoch)

        def on_end(model, epoch, logs):
            self.end.append(time.perf_counter())
            oe(model, epoch, logs)

        run._on_epoch_begin = on_begin
        run._on_epoch_end = on_end

    @property
    def epoch_times(self) -> list[float]:
        return [e - b for b, e in zip(self.begin, self.end, strict=False)]


def keras_epoch_clock():
    """A Keras callback recording epoch begin/end stamps (for bare ``fit`` arms)."""
    import keras

    class Clock(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.begin: list[float] = []
            self.end: list[float] = []

        def on_epoch_begin(self, epoch, logs=None):
            self.begin.append(time.perf_counter())

        def on_epoch_end(self, epoch, logs=None):
            self.end.append(time.perf_counter())

        @property
        def epoch_times(self) -> list[float]:
            return [e - b for b, e in zip(self.begin, self.end, strict=False)]

    return Clock()


def steady(times: Sequence[float]) -> float:
    """Median epoch time leaving out the first epoch (tracing) when there are more."""
    return median(list(times[1:]) if len(times) > 1 else list(times))


def fmt_s(x: float) -> str:
    return f"{x:.2f}"
