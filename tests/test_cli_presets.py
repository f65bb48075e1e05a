"""The CLI's presets by id (train --preset, pretrain --presets) and the training options."""

import json

from aecore.variants import PRESET_IDS, PRESETS, get_preset, preset_id, resolve_config
from tests.test_cli import cli, ok


def test_variants_lists_every_preset_with_its_id():
    out = ok("variants")
    assert set(out["preset_ids"]) == set(PRESET_IDS)
    assert {p["id"] for p in out["presets"].values()} == set(PRESET_IDS)
    assert set(out["presets"]) == set(PRESETS)
    assert out["preset_ids"]["map2d"] in out["presets"]
    assert out["presets"][out["preset_ids"]["map2d"]]["variant"] == "deep2d"


def test_every_preset_id_resolves():
    for pid, label in PRESET_IDS.items():
        got_label, variant, overrides = get_preset(pid)
        assert got_label == label and preset_id(label) == pid
        resolve_config(variant, **overrides)  # valid
    assert get_preset(next(iter(PRESETS)))[0] == next(iter(PRESETS))  # a full label works too


def test_train_by_preset_with_overrides_and_early_stopping():
    res = ok("train", "--preset", "map2d", "--dataset", "digits", "--limit", "200", "--epochs", "3",
             "--set", "hidden=16", "--set", "batch_size=64", "--schedule", "plateau", "--patience", "1")
    assert res["preset"] == "map2d" and res["variant"] == "deep2d"
    cfg = res["config"]
    assert cfg["hidden"] == [16] and cfg["schedule"] == "plateau" and cfg["patience"] == 1 and cfg["epochs"] == 3
    assert res["epochs"] <= 3
    assert res["stopped_early"] is None or res["stopped_early"].startswith("stopped early at epoch")


def test_pretrain_only_named_presets(tmp_path):
    env = {"AECORE_STORE_DIR": str(tmp_path)}
    out = json.loads(cli("pretrain", "--presets", "linear", "--dataset", "digits", env=env).stdout)
    assert [(e["id"], e["status"]) for e in out["entries"]] == [("linear", "trained")]
