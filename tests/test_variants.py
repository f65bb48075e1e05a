import pytest

from aecore.variants import (
    PRESETS,
    VARIANTS,
    architecture_changed,
    describe,
    get_variant,
    parse_int_list,
    published_config,
    resolve_config,
)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_every_variant_resolves_with_source_and_recipe(name):
    config = resolve_config(name)
    v = get_variant(name)
    assert config["variant"] == name
    assert set(config) == {"variant", *v.params}
    assert v.source and v.description and v.title
    assert describe(name)["defaults"] == config
    published = published_config(name)
    assert published["epochs"] >= config["epochs"]


def test_unknown_variant_lists_valid_ones():
    with pytest.raises(ValueError, match="unknown variant 'gan'; valid variants: dense, deep, deep2d"):
        get_variant("gan")


def test_seed_recipes():
    d2 = resolve_config("deep2d")
    assert (d2["hidden"], d2["code_dim"], d2["code_activation"]) == ([128, 64, 10], 2, "linear")
    assert (d2["output_activation"], d2["loss"], d2["scaling"], d2["batch_size"], d2["epochs"]) == (
        "tanh", "mse", "centered", 256, 20)
    assert resolve_config("conv")["filters"] == [16, 8, 8]
    assert resolve_config("denoising")["noise_factor"] == 0.5
    assert resolve_config("sparse")["l1"] == pytest.approx(1e-4)
    lin = resolve_config("linear")
    assert {lin["activation"], lin["code_activation"], lin["output_activation"]} == {"linear"}
    blog = published_config("dense")
    assert (blog["optimizer"], blog["learning_rate"], blog["epochs"]) == ("adadelta", 1.0, 50)
    for variant, overrides in PRESETS.values():
        resolve_config(variant, **overrides)


@pytest.mark.parametrize("text,expected", [("256,64", [256, 64]), ("", []), (" 8 , 4 ", [8, 4]),
                                           ([3, 2], [3, 2]), ("[128, 64]", [128, 64])])
def test_parse_int_list(text, expected):
    assert parse_int_list(text) == expected


@pytest.mark.parametrize("overrides,match", [
    ({"hidden": "12,,x"}, r"hidden must be a comma-separated list of whole numbers like '128,64', got '12,,x'"),
    ({"hidden": "0"}, r"every hidden entry must be between 1 and 8192, got 0"),
    ({"code_dim": 0}, r"code_dim must be between 1 and 8192, got 0"),
    ({"code_dim": "abc"}, r"code_dim must be a whole number, got 'abc'"),
    ({"code_dim": 2.5}, r"code_dim must be a whole number, got 2.5"),
    ({"epochs": 0}, r"epochs must be between 1 and 1000, got 0"),
    ({"epochs": -3}, r"epochs must be between 1 and 1000, got -3"),
    ({"epochs": 10**9}, r"epochs must be between 1 and 1000, got 1000000000"),
    ({"batch_size": 0}, r"batch_size must be between 1 and 8192, got 0"),
    ({"batch_size": 10**6}, r"batch_size must be between 1 and 8192"),
    ({"learning_rate": 0}, r"learning_rate must be between 1e-06 and 10, got 0"),
    ({"learning_rate": float("nan")}, r"learning_rate must be between"),
    ({"learning_rate": "fast"}, r"learning_rate must be a number, got 'fast'"),
    ({"optimizer": "adamax"}, r"optimizer must be one of adam, adadelta"),
    ({"noise_factor": 1.5}, r"noise_factor must be between 0 and 1, got 1.5"),
    ({"filters": "16"}, r"filters is not a parameter of the dense variant; its parameters: hidden"),
    ({"loss": "bce", "output_activation": "linear"}, r"loss 'bce' needs output_activation 'sigmoid'"),
    ({"scaling": "centered"}, r"loss 'bce' \(binary cross-entropy\) needs inputs in \[0, 1\]"),
])
def test_bad_hyperparameters_name_parameter_value_and_limit(overrides, match):
    with pytest.raises(ValueError, match=match):
        resolve_config("dense", **overrides)


def test_conv_needs_a_stage():
    with pytest.raises(ValueError, match="filters must list at least one conv stage"):
        resolve_config("conv", filters="")


def test_architecture_changed():
    a = resolve_config("deep")
    assert architecture_changed(a, resolve_config("deep", learning_rate=0.01, epochs=3)) == []
    assert architecture_changed(a, resolve_config("deep", code_dim=16)) == ["code_dim"]
    assert architecture_changed(a, resolve_config("dense")) == ["variant"]


def test_check_param_is_the_public_single_value_check():
    import numpy as np

    from aecore.variants import check_param

    assert check_param("epochs", "12") == 12 and check_param("epochs", 12.0) == 12
    assert check_param("epochs", np.int64(7)) == 7 and type(check_param("epochs", np.int64(7))) is int
    assert check_param("hidden", [np.int64(8), 4]) == [8, 4]
    assert check_param("seed", 2**31 - 1) == 2**31 - 1
    with pytest.raises(ValueError, match="seed must be between 0 and 2147483647, got 2147483648"):
        check_param("seed", 2**31)
    with pytest.raises(ValueError, match="epochs must be a whole number, got True"):
        check_param("epochs", True)
    with pytest.raises(ValueError, match="unknown parameter 'epoch'; valid parameters: hidden, code_dim"):
        check_param("epoch", 3)
