"""Command line: ``python -m aecore {variants,train,evaluate,pretrain,estimate,sample,anomalies,classify}``.

Every command prints one JSON object on stdout. Bad arguments, data or model files exit
non-zero with a one-line ``error: ...`` on stderr and no traceback (set AECORE_DEBUG=1 to
see one).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from typing import Any

EXIT_USAGE, EXIT_ERROR = 2, 1


class CliError(Exception):
    """A user-facing failure: the message is printed, exit 1."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line instead of argparse's usage block
        raise SystemExit(_fail(f"{message} (see '{self.prog} --help')", EXIT_USAGE))


def _fail(message: str, code: int = EXIT_ERROR) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _finite(v: float) -> float | None:
    return float(v) if v is not None and math.isfinite(float(v)) else None


def parse_sets(items: list[str] | None) -> dict[str, str]:
    """``["code_dim=16", "hidden=256,64"]`` -> dict; values are validated by resolve_config."""
    out: dict[str, str] = {}
    for item in items or []:
        if "=" not in item:
            raise CliError(f"--set takes key=value, got {item!r} (e.g. --set code_dim=16)")
        key, value = item.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def cmd_variants(args) -> dict[str, Any]:
    from aecore.variants import PRESET_IDS, PRESETS, VARIANTS, describe, preset_id

    return {
        "variants": {name: describe(name) for name in VARIANTS},
        "presets": {label: {"id": preset_id(label), "variant": v, "overrides": o} for label, (v, o) in PRESETS.items()},
        "preset_ids": dict(PRESET_IDS),  # for train --preset ID
    }


def _train(config: dict[str, Any], dataset) -> tuple[Any, float]:
    from aecore.training import FAILED, TrainingRun

    run = TrainingRun(config, dataset)
    t0 = time.perf_counter()
    run.start()
    run.join()
    seconds = time.perf_counter() - t0
    if run.status == FAILED:
        raise CliError(run.reason or "training failed")
    return run, seconds


def cmd_train(args) -> dict[str, Any]:
    from aecore.data import load_dataset
    from aecore.store import ModelStore, save_model_file
    from aecore.validation import check_optional_int
    from aecore.variants import get_preset, resolve_config

    limit = check_optional_int("--limit", args.limit, low=1)
    overrides: dict[str, Any] = {}
    variant = args.variant
    if args.preset is not None:
        _, variant, overrides = get_preset(args.preset)
    overrides.update(parse_sets(args.set))
    for name in ("epochs", "seed", "schedule", "patience"):
        if getattr(args, name) is not None:
            overrides[name] = getattr(args, name)
    config = resolve_config(variant, **overrides)
    ds = load_dataset(args.dataset, limit=limit, seed=config["seed"])
    from aecore.models import build

    build(config, ds.image_shape)  # fail fast on a config that does not fit the images
    run, seconds = _train(config, ds)
    h = run.history
    store = ModelStore()
    key = store.save(run.models, run.config, h, dataset=ds.name, n_train=len(ds.x_train),
                     image_shape=ds.image_shape)
    saved = str(store.root / key / "model.keras")
    if args.out:
        meta = {"config": run.config, "history": h.to_dict(), "dataset": ds.name}
        saved = str(save_model_file(run.models, args.out, meta))
    return {
        "variant": config["variant"],
        "dataset": ds.name,
        "notice": ds.notice,
        "n_train": int(len(ds.x_train)),
        "n_val": int(min(len(ds.x_test), run.val_limit)),
        **({"preset": args.preset} if args.preset else {}),
        "epochs": len(h.epoch),
        "stopped_early": run.reason if run.reason and run.reason.startswith("stopped early") else None,
        **({"notes": h.notes} if h.notes else {}),
        "loss": _finite(h.loss[-1]) if h.loss else None,
        "val_loss": _finite(h.val_loss[-1]) if h.val_loss else None,
        "loss_name": config["loss"],
        "seconds": round(seconds, 2),
        "parameters": int(run.models.autoencoder.count_params()),
        **({"stages": {name: h.stage.count(name) for name in dict.fromkeys(h.stage)}} if h.stage else {}),
        "model": saved,
        "store_key": key,
        "config": run.config,
    }


def cmd_evaluate(args) -> dict[str, Any]:
    import numpy as np

    from aecore import metrics
    from aecore.data import load_dataset
    from aecore.inference import encode, reconstruct
    from aecore.models import to_model_space
    from aecore.noise import check_factor
    from aecore.sampling import stratified_indices
    from aecore.store import check_image_shape, load_model_file

    noise = check_factor(args.noise, "--noise") if args.noise is not None else 0.0
    loaded = load_model_file(args.model)
    ds = load_dataset(args.dataset)
    if (loaded.config or {}).get("variant") == "vae":  # its code is a distribution and it adds the ELBO terms
        return cmd_evaluate_vae(args, loaded, ds, noise)
    check_image_shape(loaded.models, ds.image_shape, f"dataset {ds.name!r}")
    config = {"scaling": "unit", "loss": "mse", **(loaded.config or {})}
    x_test, y_test = ds.x_test, ds.y_test
    inputs, recon = reconstruct(loaded.models, config, x_test, noise, "gaussian", noise_seed=0)
    clean = to_model_space(x_test, "unit")
    mse = metrics.reconstruction_errors(clean, recon)
    # the model's own loss, in its own value range, on the same (possibly noisy) inputs
    if config["loss"] == "bce":
        test_loss = metrics.binary_crossentropy(clean, recon)
    else:
        test_loss = float(np.mean(mse))  # MSE is unchanged by the [-0.5, 0.5] shift
    idx = stratified_indices(y_test, 2000, seed=0)
    tr_idx = stratified_indices(ds.y_train, 5000, seed=0)
    code_test = encode(loaded.models, config, x_test[idx])
    code_train = encode(loaded.models, config, ds.x_train[tr_idx])
    knn = metrics.knn_accuracy(code_train, ds.y_train[tr_idx], code_test, y_test[idx], k=5)
    trust = metrics.trustworthiness(to_model_space(x_test[idx], "unit"), code_test, n_neighbors=5)
    return {
        "model": str(args.model),
        "dataset": ds.name,
        "notice": ds.notice,
        "variant": (loaded.config or {}).get("variant"),
        "n_test": int(len(x_test)),
        "noise": noise,
        "loss_name": config["loss"],
        "test_loss": _finite(test_loss),
        "mse": _finite(float(np.mean(mse))),
        "psnr": _finite(metrics.mean_psnr(clean, recon)),
        "code_size": int(code_test.shape[1]),
        "knn5_accuracy": _finite(knn),
        "trustworthiness": _finite(trust),
        "n_code_points": int(len(idx)),
        **_linear_vs_pca(loaded.models, config, ds),
    }


def _linear_vs_pca(models, config, ds) -> dict[str, Any]:
    """For a linear model: PCA with the same k fitted on the training images, its test MSE,
    the model's on the same footing (unclipped; ``mse`` above clips to [0, 1]) and the
    principal angles between the decoder's subspace and PCA's."""
    from aecore.linear import compare_with_pca, is_linear, pca_from_scratch
    from aecore.models import to_model_space

    if not is_linear(config):
        return {}
    fit = pca_from_scratch(to_model_space(ds.x_train, config["scaling"]))
    r = compare_with_pca(models, config, fit, ds.x_test)
    return {"pca_mse": _finite(r["pca_mse"]), "unclipped_mse": _finite(r["ae_mse"]),
            "principal_angles_deg": [round(a, 3) for a in r["principal_angles_deg"]]}


def cmd_pretrain(args) -> dict[str, Any]:
    from aecore.data import load_dataset
    from aecore.store import ModelStore
    from aecore.variants import PRESET_IDS, PRESETS, VARIANTS, preset_id, resolve_config

    wanted = args.variants or None
    if wanted:
        bad = [v for v in wanted if v not in VARIANTS]
        if bad:
            raise CliError(f"unknown variant {', '.join(bad)}; valid variants: {', '.join(VARIANTS)}")
    ids = args.presets or None
    if ids:
        bad = [p for p in ids if p not in PRESET_IDS]
        if bad:
            raise CliError(f"unknown preset {', '.join(bad)}; valid presets: {', '.join(PRESET_IDS)}")
    ds = load_dataset(args.dataset)
    store = ModelStore()
    out = []
    for label, (variant, overrides) in PRESETS.items():
        if wanted and variant not in wanted or ids and preset_id(label) not in ids:
            continue
        config = resolve_config(variant, **overrides)
        key = store.key(config, ds.name, len(ds.x_train), ds.image_shape)
        if store.get(config, ds.name, len(ds.x_train), ds.image_shape) is not None and not args.force:
            out.append({"preset": label, "id": preset_id(label), "variant": variant, "key": key, "status": "cached"})
            continue
        run, seconds = _train(config, ds)
        store.save(run.models, run.config, run.history, dataset=ds.name, n_train=len(ds.x_train),
                   image_shape=ds.image_shape)
        out.append({"preset": label, "id": preset_id(label), "variant": variant, "key": key, "status": "trained",
                    "val_loss": _finite(run.history.val_loss[-1]), "seconds": round(seconds, 1)})
        print(f"pretrained {label} in {seconds:.1f}s", file=sys.stderr, flush=True)
    return {"dataset": ds.name, "notice": ds.notice, "store": str(store.root), "entries": out,
            "problems": store.problems}


def cmd_estimate(args) -> dict[str, Any]:
    from aecore.data import load_dataset
    from aecore.estimate import estimate
    from aecore.validation import check_optional_int

    limit = check_optional_int("--limit", args.limit, low=1)
    ds = load_dataset(args.dataset, limit=limit)
    config = {"variant": args.variant, **parse_sets(args.set)}
    return {"variant": args.variant, "dataset": ds.name, "n_train": int(len(ds.x_train)),
            **estimate(config, ds.image_shape, int(len(ds.x_train))).as_dict()}
def cmd_anomalies(args) -> dict[str, Any]:
    from aecore import anomaly
    from aecore.data import load_dataset
    from aecore.sampling import stratified_indices
    from aecore.store import check_image_shape, load_model_file
    from aecore.validation import check_optional_int, check_seed

    limit = check_optional_int("--limit", args.limit, low=1)
    seed = check_seed(args.seed, "--seed")
    loaded = load_model_file(args.model)
    ds = load_dataset(args.dataset)
    check_image_shape(loaded.models, ds.image_shape, f"dataset {ds.name!r}")
    config = {"scaling": "unit", **(loaded.config or {})}
    inliers = ds.x_test if limit is None or limit >= len(ds.x_test) else \
        ds.x_test[stratified_indices(ds.y_test, limit, seed)]
    outliers = anomaly.outlier_images(args.outliers, len(inliers), ds.image_shape, seed=seed)
    m = anomaly.mix(loaded.models, config, inliers, outliers)
    return {"model": str(args.model), "dataset": ds.name, "notice": ds.notice, "outliers": args.outliers,
            "variant": (loaded.config or {}).get("variant"), **anomaly.summary(m)}


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m aecore", description="Autoencoder Lab engine (prints one JSON object per command)")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("variants", help="the variant registry with each variant's defaults")
    t = sub.add_parser("train", help="train one variant and save it")
    which = t.add_mutually_exclusive_group(required=True)
    which.add_argument("--variant", help="a variant name (or use --preset)")
    which.add_argument("--preset", help="a preset id from 'python -m aecore variants' (preset_ids), e.g. map2d; "
                                    "--set and --epochs still override it")
    t.add_argument("--dataset", default="mnist_sample",
                   help="mnist, fashion_mnist, mnist_sample, digits, or a folder/.npz path")
    t.add_argument("--limit", type=int, help="use at most N training images")
    t.add_argument("--epochs", type=int)
    t.add_argument("--seed", type=int)
    t.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a hyperparameter (repeatable)")
    t.add_argument("--schedule", help="learning-rate schedule: none, cosine or plateau")
    t.add_argument("--patience", type=int,
                   help="early stopping: stop after this many epochs without a better validation loss (0: off)")
    t.add_argument("--out", help="also write the model to FILE.keras")
    e = sub.add_parser("evaluate", help="test-set metrics of a saved model")
    e.add_argument("--model", required=True)
    e.add_argument("--dataset", default="mnist_sample")
    e.add_argument("--noise", type=float, help="Gaussian noise factor in [0, 1] applied to the inputs")
    r = sub.add_parser("pretrain", help="fill the model store with every preset")
    r.add_argument("--variants", nargs="*", help="only these variants")
    r.add_argument("--presets", nargs="*", help="only these preset ids (e.g. map2d)")
    r.add_argument("--dataset", default="mnist_sample")
    r.add_argument("--force", action="store_true", help="retrain entries already in the store")
    m = sub.add_parser("estimate", help="parameters, training memory and time per epoch, without training")
    m.add_argument("--variant", required=True)
    m.add_argument("--dataset", default="mnist_sample")
    m.add_argument("--limit", type=int, help="use at most N training images")
    m.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a hyperparameter (repeatable)")
    add_vae_commands(sub)
    add_sweep_command(sub)
    add_classify_command(sub)
    a = sub.add_parser("anomalies", help="reconstruction error as an outlier score: AUC against other images")
    a.add_argument("--model", required=True)
    a.add_argument("--dataset", default="mnist_sample", help="the inliers: this dataset's test images")
    a.add_argument("--outliers", required=True,
                   help="another dataset (name or path) whose test images are mixed in, or 'noise'")
    a.add_argument("--limit", type=int, help="use at most N inliers (and as many outliers)")
    a.add_argument("--seed", type=int, default=0, help="which outliers are drawn")
    return p


COMMANDS = {"variants": cmd_variants, "train": cmd_train, "evaluate": cmd_evaluate, "pretrain": cmd_pretrain,
            "estimate": cmd_estimate, "anomalies": cmd_anomalies}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        result = COMMANDS[args.command](args)
    except (CliError, ValueError) as exc:  # StoreError is a ValueError
        return _fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except Exception as exc:  # no traceback for users; AECORE_DEBUG=1 shows it
        if os.environ.get("AECORE_DEBUG"):
            raise
        return _fail(f"unexpected {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    try:
        print(json.dumps(result, default=str), flush=True)
    except BrokenPipeError:  # `... | head` closed the pipe; not an error for the user
        pass
    return 0


# ---------------------------------------------------------------------------- VAE
def cmd_evaluate_vae(args, loaded, ds, noise: float) -> dict[str, Any]:
    """``evaluate`` for a VAE: the usual figures on its code means, plus the negative ELBO.

    Reconstructions decode the code mean; ``neg_elbo``, ``reconstruction`` and ``kl`` are
    nats per test image on the clean images (one seeded code draw each). A conditional
    VAE is given the test labels.
    """
    import numpy as np

    from aecore import metrics, vae
    from aecore.inference import check_fits
    from aecore.models import to_model_space
    from aecore.projections import sample_indices

    models, config = loaded.models, loaded.config
    vae.require_vae(models, config)
    check_fits(models, ds.image_shape, f"dataset {ds.name!r}")
    conditional = vae.is_conditional(models)
    x_test, y_test = ds.x_test, ds.y_test

    def labels(y):
        return y if conditional else None

    _, recon = vae.reconstruct(models, config, x_test, labels(y_test), noise, "gaussian", noise_seed=0)
    clean = to_model_space(x_test, "unit")
    mse = metrics.reconstruction_errors(clean, recon)
    idx = sample_indices(y_test, 2000, seed=0)
    tr_idx = sample_indices(ds.y_train, 5000, seed=0)
    code_test = vae.encode(models, config, x_test[idx], labels(y_test[idx]))
    code_train = vae.encode(models, config, ds.x_train[tr_idx], labels(ds.y_train[tr_idx]))
    knn = metrics.knn_accuracy(code_train, ds.y_train[tr_idx], code_test, y_test[idx], k=5)
    trust = metrics.trustworthiness(to_model_space(x_test[idx], "unit"), code_test, n_neighbors=5)
    elbo = vae.neg_elbo(models, config, x_test, labels(y_test))
    return {
        "model": str(args.model),
        "dataset": ds.name,
        "notice": ds.notice,
        "variant": "vae",
        "conditional": conditional,
        "n_test": int(len(x_test)),
        "noise": noise,
        "loss_name": config["loss"],
        "test_loss": _finite(metrics.binary_crossentropy(clean, recon)),
        "mse": _finite(float(np.mean(mse))),
        "psnr": _finite(metrics.mean_psnr(clean, recon)),
        "code_size": int(code_test.shape[1]),
        "knn5_accuracy": _finite(knn),
        "trustworthiness": _finite(trust),
        "n_code_points": int(len(idx)),
        "neg_elbo": _finite(elbo["neg_elbo"]),
        "reconstruction": _finite(elbo["reconstruction"]),
        "kl": _finite(elbo["kl"]),
    }


def cmd_sample(args) -> dict[str, Any]:
    """Decode codes drawn from a VAE's prior and write them as a PNG grid."""
    from pathlib import Path

    import numpy as np

    from aecore import vae
    from aecore.images import mosaic, to_png
    from aecore.store import load_model_file
    from aecore.validation import check_int, check_seed

    n = check_int("--n", args.n, low=1, high=1024)
    seed = check_seed(args.seed, "--seed")
    out = Path(args.out).expanduser()
    if out.suffix.lower() != ".png":
        raise CliError(f"--out must name a .png file, got {args.out!r}")
    loaded = load_model_file(args.model)
    if not vae.is_vae(loaded.models, loaded.config):
        kind = (loaded.config or {}).get("variant") or "non-Autoencoder-Lab"
        raise CliError(f"{args.model!r} is a {kind} model, not a VAE: sample needs a model trained with "
                       "--variant vae")
    conditional = vae.is_conditional(loaded.models)
    k = vae.n_classes_of(loaded.models)
    if args.label is not None:
        if not conditional:
            raise CliError("--label needs a conditional VAE; this model was trained with conditional=false "
                           "(train one with --set conditional=true)")
        if not 0 <= args.label < k:
            raise CliError(f"--label must be between 0 and {k - 1} for this model's {k} classes, got {args.label}")
    images = vae.sample(loaded.models, loaded.config, n, seed=seed, label=args.label)
    # without --label a conditional VAE cycles through the classes: one column per class
    cols = min(n, k) if conditional and args.label is None else math.ceil(math.sqrt(n))
    # Small digits are enlarged (nearest neighbour) to at least 56 pixels wide, with black
    # gaps and a black border of 2 image pixels: white-on-black digits on one black sheet.
    scale = max(1, math.ceil(56 / images.shape[1]))
    picture = np.pad(mosaic(images, cols=cols, pad=2 * scale, scale=scale, background=0), 2 * scale)
    if not out.parent.is_dir():
        raise CliError(f"--out folder {str(out.parent)!r} does not exist")
    out.write_bytes(to_png(picture))
    return {
        "model": str(args.model),
        "out": str(out),
        "n": n,
        "seed": seed,
        "conditional": conditional,
        "label": args.label,
        "labels": [int(i % k) for i in range(n)] if conditional and args.label is None else None,
        "image_shape": list(images.shape[1:]),
        "grid": [math.ceil(n / cols), cols],  # rows, columns
    }


def add_vae_commands(sub) -> None:
    s = sub.add_parser("sample", help="draw new images from a VAE's prior into a PNG grid")
    s.add_argument("--model", required=True, help="a .keras file trained with --variant vae")
    s.add_argument("--n", type=int, default=16, help="how many images (default 16)")
    s.add_argument("--label", type=int, help="the class to draw (conditional VAE only)")
    s.add_argument("--seed", type=int, default=0, help="seed of the drawn codes (default 0)")
    s.add_argument("--out", required=True, help="the PNG file to write")


COMMANDS["sample"] = cmd_sample


# ---------------------------------------------------------------------------- sweep
def cmd_sweep(args) -> dict[str, Any]:
    """Train one variant once per value of one hyperparameter; one row per value."""
    from aecore.data import load_dataset
    from aecore.store import ModelStore
    from aecore.sweep import Sweep, parse_values, sweep_configs
    from aecore.validation import check_optional_int

    overrides: dict[str, Any] = parse_sets(args.set)
    if args.epochs is not None:
        overrides["epochs"] = args.epochs
    try:
        limit = check_optional_int("--limit", args.limit, low=1)
        values = parse_values(args.param, args.values, args.variant)
        configs = sweep_configs(args.variant, args.param, values, **overrides)
    except ValueError as exc:  # a bad argument: one line, exit 2 like argparse's own errors
        raise SystemExit(_fail(str(exc).splitlines()[0], EXIT_USAGE)) from None
    ds = load_dataset(args.dataset, limit=limit, seed=configs[0]["seed"])
    from aecore.models import build

    for cfg in configs:
        build(cfg, ds.image_shape)  # fail fast on a value that does not fit the images
    sweep = Sweep(args.param, values, configs, ds)
    t0 = time.perf_counter()
    results = sweep.run_all()
    store = ModelStore()
    rows = []
    for i, r in enumerate(results):
        row = r.row(args.param)
        run = sweep.runs[i]
        if run is not None and r.status == "finished":
            row["store_key"] = store.save(run.models, dict(run.config, epochs=len(run.history.epoch)), run.history,
                                          dataset=ds.name, n_train=len(ds.x_train), image_shape=ds.image_shape,
                                          extra={"seconds": row["seconds"], "status": r.status,
                                                 "code_size": int(run.models.code_size)})
        rows.append({k: _finite(v) if k in ("loss", "val_loss") else v for k, v in row.items()})
    best = min((r for r in rows if r["val_loss"] is not None), key=lambda r: r["val_loss"], default=None)
    return {"variant": args.variant, "dataset": ds.name, "notice": ds.notice, "n_train": int(len(ds.x_train)),
            "param": args.param, "values": values, "epochs": configs[0]["epochs"], "loss_name": configs[0]["loss"],
            "rows": rows, "best": best[args.param] if best else None,
            "seconds": round(time.perf_counter() - t0, 2)}


def add_sweep_command(sub) -> None:
    w = sub.add_parser("sweep", help="train once per value of one hyperparameter; final losses per value")
    w.add_argument("--variant", required=True)
    w.add_argument("--dataset", default="mnist_sample")
    w.add_argument("--param", required=True,
                   help="code_dim, learning_rate, batch_size, l1, noise_factor or hidden")
    w.add_argument("--values", required=True,
                   help="comma-separated values (2,4,8,16,32); for hidden, layer lists separated by ';' (64;128,64)")
    w.add_argument("--epochs", type=int)
    w.add_argument("--limit", type=int, help="use at most N training images")
    w.add_argument("--set", action="append", metavar="KEY=VALUE", help="fix another hyperparameter (repeatable)")


COMMANDS["sweep"] = cmd_sweep


# ---------------------------------------------------------------------------- classify
def cmd_classify(args) -> dict[str, Any]:
    """The encoder as features for a classifier, against PCA and pixels (same head, labels, epochs)."""
    from aecore import classify
    from aecore.data import load_dataset
    from aecore.store import check_image_shape, load_model_file
    from aecore.validation import check_seed

    seed = check_seed(args.seed, "--seed")
    if args.labels_per_class is not None and args.labels_per_class < 1:
        raise CliError(f"--labels-per-class must be a positive integer, got {args.labels_per_class}")
    if args.out and not args.out.endswith(".keras"):
        raise CliError(f"--out must name a .keras file, got {args.out!r}")
    settings = classify.resolve(epochs=args.epochs, seed=seed, fine_tune=args.fine_tune,
                                labels_per_class=args.labels_per_class,
                                **({"units": args.units} if args.units is not None else {}),
                                **({"dropout": args.dropout} if args.dropout is not None else {}))
    loaded = load_model_file(args.model)
    ds = load_dataset(args.dataset)
    check_image_shape(loaded.models, ds.image_shape, f"dataset {ds.name!r}")
    classify.check_encoder_model(loaded.models)
    classify.label_indices(ds.y_train, settings["labels_per_class"], seed, "--labels-per-class")  # fail early
    config = {"scaling": "unit", **(loaded.config or {})}
    keep = {k: settings[k] for k in ("units", "dropout", "fine_tune", "epochs", "seed", "labels_per_class")}
    t0 = time.perf_counter()
    accuracy, seconds = {}, {}
    for arm in classify.ARMS:
        result, run = classify.train_arm(arm, loaded.models, config, ds, **keep)
        accuracy[arm], seconds[arm] = _finite(result.accuracy), round(result.seconds, 2)
        if arm == "encoder":
            n_labelled = result.n_labelled
            if args.out:
                classify.save_classifier(run, args.out, {"dataset": ds.name, "model": str(args.model),
                                                         "accuracy": result.accuracy})
        print(f"{arm}: test accuracy {result.accuracy:.4f} ({result.seconds:.1f} s)", file=sys.stderr, flush=True)
    return {
        "model": str(args.model),
        "dataset": ds.name,
        "notice": ds.notice,
        "variant": (loaded.config or {}).get("variant"),
        "code_size": int(loaded.models.code_size),
        "labels_per_class": settings["labels_per_class"] if settings["labels_per_class"] is not None else "all",
        "n_labelled": int(n_labelled),
        "n_test": int(len(ds.x_test)),
        "epochs": settings["epochs"],
        "fine_tune": settings["fine_tune"],
        "head": {"units": settings["units"], "dropout": settings["dropout"]},
        "accuracy": accuracy,
        "seconds_per_arm": seconds,
        "seconds": round(time.perf_counter() - t0, 2),
        "out": args.out,
    }


def add_classify_command(sub) -> None:
    c = sub.add_parser("classify", help="the encoder as a classifier's features, against PCA and raw pixels")
    c.add_argument("--model", required=True, help="a .keras autoencoder (any variant but a conditional VAE)")
    c.add_argument("--dataset", default="mnist_sample")
    c.add_argument("--labels-per-class", type=int, help="train on N labelled images per class (default: all)")
    c.add_argument("--epochs", type=int, default=20, help="epochs of every arm (default 20)")
    c.add_argument("--fine-tune", action="store_true", help="train the encoder with the head (default: frozen)")
    c.add_argument("--units", type=int, help="width of the head's dense layer (default 128)")
    c.add_argument("--dropout", type=float, help="dropout after it (default 0.3)")
    c.add_argument("--seed", type=int, default=0, help="which labelled images, and the head's initial weights")
    c.add_argument("--out", help="write the encoder arm's classifier to FILE.keras")


COMMANDS["classify"] = cmd_classify


if __name__ == "__main__":
    sys.exit(main())
