"""Run logs and progress lines."""

from __future__ import annotations

import io
import time

from levelforge.runlog import Progress, RunLog


def test_progress_follows_time_when_the_run_stops_on_time():
    out = io.StringIO()  # not a terminal: one line per tenth
    bar = Progress(1_000_000, "run", stream=out, seconds=0.05)
    bar.update(10)  # 0.001% of the steps, almost none of the time
    assert out.getvalue() == ""
    time.sleep(0.06)
    bar.update(20)  # the time is up: the run ends, whatever the steps say
    assert "100.0%" in out.getvalue()


def test_progress_without_a_time_limit_follows_steps():
    out = io.StringIO()
    bar = Progress(100, "run", stream=out)
    time.sleep(0.01)
    bar.update(55)
    assert " 55.0%" in out.getvalue() and "100.0%" not in out.getvalue()


def test_run_log_writes_a_csv_row_per_report(tmp_path):
    path = tmp_path / "log.csv"
    log = RunLog(path, ("step", "loss"))
    log.write({"step": 1, "loss": 0.5})
    assert path.read_text().splitlines() == ["step,loss", "1,0.5"]  # flushed at once: a dying run keeps it
    log.write({"step": 2, "loss": float("nan")})
    log.close()
    assert path.read_text().splitlines() == ["step,loss", "1,0.5", "2,"]
