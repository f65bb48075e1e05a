"""aecore.estimate: sizes without building, memory and time of training, and the CLI command."""

from __future__ import annotations

import json

import pytest

from aecore import estimate as est
from aecore.variants import VARIANTS, resolve_config

SHAPES = [(28, 28), (8, 8), (7, 9)]


def _fit(variant: str, shape: tuple[int, int]) -> dict:
    """The variant's recipe, shrunk where it would not fit the image."""
    cfg = {"variant": variant}
    if VARIANTS[variant].family == "conv" and min(shape) < 16:
        cfg["filters"] = [3, 5]
    if VARIANTS[variant].family == "dense" and resolve_config(variant)["code_dim"] > shape[0] * shape[1] // 2:
        cfg["code_dim"] = 16
    return cfg


def _assert_sized_like_build(cfg: dict, shape: tuple[int, int]) -> None:
    """aecore.estimate's layers and parameter count are exactly those build() makes."""
    from aecore.models import build, summarize

    models = build(resolve_config(**cfg), shape)
    built = [(r["part"], r["layer"], r["type"], r["output shape"], r["parameters"]) for r in summarize(models)]
    mine = [(x.part, x.name, x.kind, "x".join(map(str, x.output_shape)), x.parameters)
            for x in est.layer_sizes(cfg, shape)]
    assert mine == built
    assert est.parameter_count(cfg, shape) == models.autoencoder.count_params()


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_layers_and_parameters_match_the_built_model(variant, shape):
    cfg = _fit(variant, shape)
    _assert_sized_like_build(cfg, shape)


def test_a_281_million_parameter_network_is_counted_without_building_it():
    cfg = {"variant": "deep", "hidden": [8192, 8192, 8192]}
    n = est.parameter_count(cfg, (28, 28))
    assert n == 281_854_768
    e = est.estimate(cfg, (28, 28), 4000)
    assert e.parameters == n and e.weight_bytes == 4 * n
    # Adam: weights + gradients + two slots, plus one batch's activations
    assert e.training_bytes > 4 * e.weight_bytes
    assert e.is_large and e.training_bytes > est.LARGE_MEMORY_BYTES


def test_the_recipes_are_not_large():
    for variant in VARIANTS:
        assert not est.estimate({"variant": variant}, (28, 28), 4000).is_large, variant


def test_memory_follows_the_optimizer_and_the_batch():
    base = {"variant": "deep"}
    adam = est.estimate({**base, "optimizer": "adam"}, (28, 28), 1000)
    sgd = est.estimate({**base, "optimizer": "sgd"}, (28, 28), 1000)
    assert adam.training_bytes - sgd.training_bytes == 2 * adam.weight_bytes  # Adam's two slots
    small = est.estimate({**base, "batch_size": 16}, (28, 28), 1000)
    assert small.training_bytes < adam.training_bytes


def test_time_grows_with_images_epochs_and_size():
    cfg = {"variant": "deep", "epochs": 4}
    one = est.estimate(cfg, (28, 28), 1000)
    two = est.estimate(cfg, (28, 28), 2000)
    assert two.seconds_per_epoch == pytest.approx(2 * one.seconds_per_epoch, rel=0.01)
    assert one.seconds == pytest.approx(4 * one.seconds_per_epoch)
    wide = est.estimate({**cfg, "hidden": [1024, 512]}, (28, 28), 1000)
    assert wide.seconds_per_epoch > one.seconds_per_epoch
    fast = est.estimate(cfg, (28, 28), 1000, flops={"Dense": 1e12, "Conv2D": 1e12}, step_overhead_s=0)
    assert fast.seconds_per_epoch < one.seconds_per_epoch


@pytest.mark.parametrize("n_train", [0, -3, 2.5, True, "10"])
def test_bad_training_set_size(n_train):
    with pytest.raises(ValueError, match="n_train must be a whole number of at least 1"):
        est.estimate({"variant": "dense"}, (28, 28), n_train)


def test_bad_configuration_and_speed():
    with pytest.raises(ValueError, match="every hidden entry must be between 1 and 8192, got 0"):
        est.parameter_count({"variant": "deep", "hidden": [0]}, (28, 28))
    with pytest.raises(ValueError, match="unknown variant"):
        est.parameter_count({"variant": "nope"}, (28, 28))
    with pytest.raises(ValueError, match="flops must be positive"):
        est.estimate({"variant": "dense"}, (28, 28), 10, flops={"Dense": 0})
    with pytest.raises(ValueError, match="image_shape"):
        est.layer_sizes({"variant": "dense"}, (0, 28))


@pytest.mark.parametrize("n,text", [(512, "512 bytes"), (12_345, "12 KB"), (7_303_936, "7.0 MB"),
                                    (210 * 2**20, "210 MB"), (4_616_827_648, "4.3 GB")])
def test_format_bytes(n, text):
    assert est.format_bytes(n) == text


@pytest.mark.parametrize("s,text", [(0.2, "under a second"), (40, "40 s"), (226, "4 min"), (3 * 3600, "3.0 h")])
def test_format_seconds(s, text):
    assert est.format_seconds(s) == text


def test_cli_estimate(capsys):
    from aecore.__main__ import main

    assert main(["estimate", "--variant", "deep", "--set", "hidden=8192,8192,8192", "--limit", "500"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["parameters"] == 281_854_768 and out["n_train"] == 500 and out["is_large"] is True
    assert main(["estimate", "--variant", "deep", "--set", "hidden=0"]) == 1
    assert capsys.readouterr().err.strip() == "error: every hidden entry must be between 1 and 8192, got 0"


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("options", [{"arch": "conv"}, {"conditional": True}, {"arch": "conv", "conditional": True}])
def test_vae_options_are_sized_like_the_built_model(options, shape):
    cfg = {"variant": "vae", **options}
    if options.get("arch") == "conv" and min(shape) < 16:
        cfg["filters"] = [3, 5]
    _assert_sized_like_build(cfg, shape)


@pytest.mark.parametrize("variant", ["deep", "deep2d", "dense"])
def test_batch_norm_layers_are_sized_like_the_built_model(variant):
    cfg = {"variant": variant, "batch_norm": True}
    _assert_sized_like_build(cfg, (28, 28))
