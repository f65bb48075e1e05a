"""aecore.sweep: values parsed and checked per parameter; configs trained one after another."""

from __future__ import annotations

import json

import pytest

from aecore.sweep import Sweep, parse_values, sweep_configs


def test_values_are_checked_with_the_parameter_limits():
    assert parse_values("code_dim", "2,4, 8") == [2, 4, 8]
    assert parse_values("learning_rate", "1e-3,0.01") == [0.001, 0.01]
    assert parse_values("hidden", "64;128,64;") == [[64], [128, 64], []]
    assert parse_values("code_dim", [2, 3]) == [2, 3]
    with pytest.raises(ValueError, match="code_dim must be between 1 and .*, got 0"):
        parse_values("code_dim", "2,0")
    with pytest.raises(ValueError, match="learning_rate must be a number, got 'x'"):
        parse_values("learning_rate", "0.1,x")
    with pytest.raises(ValueError, match="no empty entries"):
        parse_values("batch_size", "32,,64")
    with pytest.raises(ValueError, match="got 4 twice"):
        parse_values("code_dim", "4,4")
    with pytest.raises(ValueError, match="param must be one of code_dim.*got 'seed'"):
        parse_values("seed", "1,2")
    with pytest.raises(ValueError, match="not a setting of the conv variant"):
        parse_values("hidden", "64", "conv")
    with pytest.raises(ValueError, match="at most 12"):
        parse_values("code_dim", ",".join(str(i) for i in range(1, 20)))


def test_configs_differ_only_in_the_swept_value():
    configs = sweep_configs("dense", "code_dim", [2, 8], epochs=1, learning_rate=0.01)
    assert [c["code_dim"] for c in configs] == [2, 8]
    assert all(c["epochs"] == 1 and c["learning_rate"] == 0.01 for c in configs)


def test_a_sweep_trains_each_value_in_turn_and_a_stop_cancels_the_rest(digits):
    configs = sweep_configs("dense", "code_dim", [2, 4], epochs=1)
    sweep = Sweep("code_dim", [2, 4], configs, digits, val_limit=100)
    results = sweep.run_all()
    assert [r.status for r in results] == ["finished", "finished"]
    rows = sweep.rows()
    assert [r["code_dim"] for r in rows] == [2, 4] and all(r["val_loss"] > 0 for r in rows)
    assert sweep.runs[0].models.code_size == 2
    sweep.release(0)
    assert sweep.runs[0] is None and sweep.results[0].history.epoch == [1]

    stopped = Sweep("code_dim", [2, 4], sweep_configs("dense", "code_dim", [2, 4], epochs=50), digits,
                    val_limit=100)
    stopped.start()
    import time

    while stopped.current is None or not stopped.current.history.trace_x:
        time.sleep(0.05)
    stopped.stop()
    assert stopped.join(60)
    assert stopped.results[0].status == "stopped" and stopped.results[1].status == "cancelled"
    assert stopped.status == "stopped"


@pytest.mark.slow
def test_cli_sweep_prints_one_row_per_value(capsys):
    from aecore.__main__ import main

    assert main(["sweep", "--variant", "dense", "--dataset", "digits", "--param", "code_dim",
                 "--values", "2,8", "--epochs", "1", "--limit", "200"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["param"] == "code_dim" and [r["code_dim"] for r in out["rows"]] == [2, 8]
    assert all(r["status"] == "finished" and r["store_key"] for r in out["rows"])
    assert out["best"] in (2, 8)


def test_cli_sweep_bad_values_exit_2_with_one_line(capsys):
    from aecore.__main__ import main

    with pytest.raises(SystemExit) as exc:
        main(["sweep", "--variant", "dense", "--dataset", "digits", "--param", "code_dim", "--values", "2,0"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: code_dim must be between 1 and 8192, got 0"]
