"""Train: choose data, variant and hyperparameters; train live with pause/resume/step/stop.

The model trains in a background thread owned by a ``TrainingRun`` in session state, so
moving a widget or leaving the page neither stops nor restarts it. A fragment polls the run
twice a second while it trains and redraws the loss curve, progress and previews.
"""

import streamlit as st

from aecore.estimate import estimate, format_bytes, format_seconds
from aecore.models import tied_note
from aecore.training import FAILED, FINISHED, IDLE, PAUSED, RUNNING, STOPPED, History
from aecore.variants import PRESETS, VARIANTS, get_variant
from ui import (
    cache,
    datasets,
    exports,
    form,
    plots,
    previews,
    runs,
    runs_panel,
    saving,
    state,
    sweep_panel,
    upload,
    url_settings,
    widgets,
)
from ui.form import wkey

ORDER = ("arch", "hidden", "filters", "code_dim", "beta", "conditional", "activation", "loss", "optimizer",
         "learning_rate", "batch_size", "epochs", "schedule", "patience", "l1", "noise_factor", "seed", "pretraining",
         "tied_weights", "batch_norm")


def data_section():
    """Dataset picker and training-set size. Returns (full dataset or None, key, n_train)."""
    st.subheader("1 · Data")
    choices = datasets.dataset_choices()
    titles = {d["name"]: d["title"] for d in choices}
    titles[datasets.FOLDER_CHOICE] = "A folder under the data root…"
    choice = st.selectbox("Dataset", [d["name"] for d in choices] + [datasets.FOLDER_CHOICE],
                          format_func=lambda n: titles.get(n, n), key=wkey("dataset"))
    if choice == datasets.FOLDER_CHOICE:
        folder = st.text_input("Folder or .npz file", key=wkey("folder"),
                               help=f"A path relative to the data root {datasets.data_root()} "
                                    "(set AECORE_DATA_ROOT to change it)")
    else:
        folder = ""
        st.caption(next(d["description"] for d in choices if d["name"] == choice))
    try:
        full = datasets.load_choice(choice, folder)
    except ValueError as exc:
        st.error(str(exc))
        return None, None, None
    key = datasets.choice_key(choice, folder)
    state.set_dataset_name(key)
    widgets.dataset_provenance(full)
    form.seed_n_train(key, len(full.x_train))  # a new dataset starts with all its training images
    # No min/max: a browser silently keeps the old value of an out-of-range entry. The field
    # takes what is typed and the line under it says which size is used, or why none can be.
    n_train = st.number_input("Training-set size", step=250, key=wkey("n_train"),
                              help="How many training images to use: a seeded, class-balanced subset. "
                                   "Fewer trains faster.")
    form.store_n_train(n_train)
    used, note = form.check_n_train(n_train, len(full.x_train))
    (st.error if used is None else st.caption)(note)
    return full, key, used


def model_section():
    """Variant, presets and hyperparameters. Returns (resolved config or None, variant, a
    container under the hyperparameters heading for messages about them)."""
    st.subheader("2 · Model")
    variant = st.selectbox("Variant", list(VARIANTS), format_func=lambda n: f"{VARIANTS[n].title} ({n})",
                           key=wkey("variant"), on_change=form.on_variant_change)
    widgets.variant_caption(variant)
    v = get_variant(variant)
    c1, c2 = st.columns(2)
    c1.button("Reset to recipe", key="train_reset_recipe", on_click=form.reset_to_recipe, width="stretch",
              help="Every hyperparameter back to this variant's recipe")
    c2.button("As published", key="train_published", on_click=form.apply_published, args=(variant,),
              width="stretch",
              help="The source article's own settings: " + ", ".join(f"{k} {val}" for k, val in v.published.items()))
    st.markdown("**Presets** · one click sets everything")
    preset_cols = st.columns(2)
    for i, label in enumerate(PRESETS):
        preset_cols[i % 2].button(form.preset_short(label), key=f"train_preset_{i}", on_click=form.apply_preset,
                                  args=(label,), help=label, width="stretch")

    st.subheader("3 · Hyperparameters")
    problems = st.container()  # errors go right under the heading, next to the fields
    shown = [n for n in ORDER if n in v.params]
    cols = st.columns(2)
    for i, name in enumerate(shown):
        with cols[i % 2]:
            widgets.param_widget(name, form.LABELS[name], wkey(name))
    with st.expander("More: code and output activations, input scaling, noise kind"):
        cols = st.columns(2)
        for i, name in enumerate(n for n in v.params if n not in shown):
            with cols[i % 2]:
                widgets.param_widget(name, form.LABELS[name], wkey(name))
    raw = form.store_widgets()
    try:
        return form.resolve(raw, variant), variant, problems, None
    except ValueError as exc:
        problems.error(str(exc), icon=":material/edit:")
        return None, variant, problems, str(exc)


def architecture_section(rows, size_text=""):
    total = sum(r["parameters"] for r in rows)
    code = next((r["output shape"] for r in reversed(rows) if r["part"] == "encoder"), "?")
    with st.expander(f"Architecture: code {code} · {total:,} parameters", expanded=True):
        # four columns (five with tied weights), so the parameter counts fit beside the live view at 1024 px
        st.table([{"part": r["part"], "layer": f"{r['layer']} ({r['type']})", "output": r["output shape"],
                   "parameters": f"{r['parameters']:,}", **({"shared": f"{r['shared']:,}"} if "shared" in r else {})}
                  for r in rows], hide_index=True, border="horizontal")
        st.caption(f"Total: {total:,} trainable parameters (encoder and decoder). Estimate: {size_text}.")
        tied = tied_note(rows)
        if tied:
            st.caption(f"**{tied.capitalize()}.** *shared*: the kernel weights a tied layer borrows from its "
                       "encoder layer (counted there).")


def controls(run, config, full, key, n_train, ready):
    """The control buttons and what they do. Every action ends in a rerun so the page
    redraws from the new state."""
    status = run.status if run is not None else None
    model = runs.has_model(run)
    changes = runs.pending_changes(run, config, full, n_train) if run is not None and ready else []

    if model and changes:
        st.warning(
            f"You changed **{', '.join(changes)}**: that needs a new model. The current model keeps "
            "its settings (and keeps training if it is running) until you press **Reset and apply**.")
        if st.button("Reset and apply", key="train_apply", type="primary"):
            runs.new_run(config, full, n_train, key)
            st.rerun()

    if ready and saving.pretrained_available(config, full, n_train) and (not model or changes or status == IDLE):
        if st.button("Use pretrained", key="train_pretrained", icon=":material/inventory_2:",
                     help="A model with exactly these settings was trained before; load it at once"):
            runs.load_pretrained(config, full, n_train, key)
            st.rerun()

    again = model and status in (FINISHED, STOPPED, FAILED)
    # One row that wraps: each button is as wide as its label, so none is cut off ("Resu…")
    # on a 1024-px projector, and the six fit on one line on a wide screen.
    bar = st.container(horizontal=True, gap="small", key="train_controls")
    start = bar.button("Start over" if again else "Start", key="train_start", type="primary",
                       icon=":material/play_arrow:", disabled=not ready or status in (RUNNING, PAUSED),
                       help="Train a fresh model with these settings")
    pause = bar.button("Pause", key="train_pause", icon=":material/pause:", disabled=status != RUNNING)
    resume = bar.button("Resume", key="train_resume", icon=":material/play_circle:", disabled=status != PAUSED)
    step = bar.button("Step one epoch", key="train_step", icon=":material/skip_next:",
                      disabled=status in (RUNNING, FAILED) or (not model and not ready),
                      help="Train exactly one more epoch, then pause")
    stop = bar.button("Stop", key="train_stop", icon=":material/stop:", disabled=status not in (RUNNING, PAUSED),
                      help="Stop after the current batch; the model keeps what it learned")
    reset = bar.button("Reset", key="train_reset", icon=":material/restart_alt:", disabled=run is None,
                       help="Throw the weights away and start from fresh ones (with the current settings)")

    if start:
        if status == IDLE and not changes:  # a fresh run made by Reset, settings unchanged
            run.start()
        else:
            runs.new_run(config, full, n_train, key).start()
    elif pause:
        run.pause()
    elif resume:
        run.resume()
    elif step:
        if model or (status == IDLE and not changes):  # one more epoch of the model as it is
            run.step()
        else:
            runs.new_run(config, full, n_train, key).step()
    elif stop:
        run.stop()
    elif reset:
        if ready:
            runs.new_run(config, full, n_train, key)
        else:
            run.reset()
    else:
        return
    st.rerun()


def live_section(run):
    if run is None:
        st.info("Choose the data and a model on the left, then press **Start** (or **Step one epoch**). "
                "The loss curve and the reconstructions appear here and update as the model learns.")
        st.plotly_chart(plots.loss_figure(History()), key="chart_loss_empty", theme=None,
                        config={"displayModeBar": False})
        return
    widgets.live_section(run.status, lambda status0: draw(run, status0))


def draw(run, status0):
    snap = run.snapshot()
    if snap.status != status0:
        st.rerun()  # finished, failed, or paused after a step: redraw the buttons too
    cfg = run.config
    # what was trained, in the words of the model's label on every picker
    extra = f"{state.run_label(run)} on {run.dataset.name}, {widgets.plural(len(run.dataset.x_train), 'image')}"
    widgets.status_line(snap.status, extra)
    if snap.status == FAILED:
        st.error(snap.reason or "training failed")
    elif snap.status in (STOPPED, FINISHED) and snap.reason:
        st.caption(snap.reason[0].upper() + snap.reason[1:])
    widgets.run_notes(snap)
    p = snap.progress
    st.progress(p.fraction, text=runs.progress_text(snap))
    if snap.stage:
        st.caption(f"Stage: **{snap.stage}**. Layer 1 and the fine-tuning reconstruct images; deeper layers "
                   "reconstruct the codes below them (MSE, another scale). Reconstructions stay blurry until "
                   "the fine-tuning.")
    h = snap.history
    m = st.columns(3)
    if h.loss:
        m[0].metric("Train loss", plots.fmt_number(h.loss[-1]))
    else:  # during the first epoch: the latest batch
        m[0].metric("Train loss (batch)", plots.fmt_number(h.trace_loss[-1] if h.trace_loss else None))
    m[1].metric("Validation loss", plots.fmt_number(h.val_loss[-1] if h.val_loss else None))
    m[2].metric("Learning rate", f"{snap.learning_rate:g}")
    st.plotly_chart(plots.loss_figure(h, cfg["loss"], stage=snap.stage), key="chart_loss", theme=None,
                    config={"displayModeBar": False})
    if cfg["variant"] == "vae":
        st.caption("The total is reconstruction + β × KL, in nats per image: with β = 1 it is the negative "
                   "ELBO. Reconstruction falls as the decoder learns to draw; KL measures how far the codes "
                   "stray from the N(0, I) prior that new digits are drawn from.")
        if h.epoch:
            st.page_link("app_pages/generate.py", label="Draw new digits with this VAE on the Generate page",
                         icon=":material/draw:")
    if snap.status == RUNNING and not h.trace_x:
        # The worker is still compiling its first step; a forward pass now would only wait for it.
        st.caption("Preparing the first batch…")
        return
    inputs, outputs = previews.previews(run)
    noisy = cfg.get("noise_factor", 0) > 0
    st.markdown(f"**{len(inputs)} fixed test images and their reconstructions right now**"
                + (f" (inputs carry the training noise, factor {cfg['noise_factor']:g})" if noisy else ""))
    a, b = st.columns(2)
    cols = 4 if len(inputs) > 9 else 3
    a.plotly_chart(plots.image_grid(inputs, cols=cols, title="noisy input" if noisy else "input", tile_px=62),
                   key="chart_inputs", theme=None, config={"displayModeBar": False, "staticPlot": True})
    b.plotly_chart(plots.image_grid(outputs, cols=cols, title="reconstruction", tile_px=62),
                   key="chart_outputs", theme=None, config={"displayModeBar": False, "staticPlot": True})


def upload_section(full, key):
    """A saved .keras model (e.g. from `python -m aecore train --out`) for the other pages.

    Drawn after the Train column, and every outcome is one message: whatever the file
    holds, the run and its controls are untouched."""
    with st.expander("Load a saved model file (.keras)"):
        up = st.file_uploader("Model file", type=["keras"], key="train_upload",
                              help=f"Up to {upload.MAX_UPLOAD_MB} MB; loaded in Keras safe mode. It must "
                                   "fit the images of the dataset chosen above.")
        if up is not None:
            kind, message = upload.upload_outcome(up.file_id, up.name, up.getvalue(), full, key)
            (st.success if kind == "success" else st.error)(message)


def size_warning(config, full, n_train):
    """Before Start: a rough time and memory estimate, a warning when the network is huge."""
    e = estimate(config, full.image_shape, n_train)
    text = (f"training on {n_train:,} images needs roughly {format_bytes(e.training_bytes)} of memory and "
            f"{format_seconds(e.seconds_per_epoch)} per epoch ({format_seconds(e.seconds)} for {e.epochs} "
            "epochs) on a 2-core laptop")
    if e.is_large:
        st.warning(f"**This is a very large network: {e.parameters:,} parameters.** Estimate: {text}. Fewer or "
                   "narrower hidden layers train far faster.", icon=":material/warning:")
    return e, text


def main():
    st.title("Train an autoencoder")
    note = form.pop_flash()
    if note:
        getattr(st, note[0], st.info)(note[1])
    url_settings.from_link()
    form.seed_widgets()
    saved = saving.finalize()
    if saved:
        st.warning(saved)

    left, right = st.columns([1, 1], gap="large")
    with left:
        full, key, n_train = data_section()
        config, variant, problems, reason = model_section()
        upload_slot = st.container()  # filled last, so no upload can keep the Train column from drawing
    url_settings.to_link(config, key, n_train, full)
    run = state.current_run()
    if full is None:
        reason = "the dataset cannot be loaded (see **1 · Data**)"
    elif n_train is None:
        reason = form.check_n_train(st.session_state.get(wkey("n_train")), len(full.x_train))[1]
    ready = config is not None and full is not None and n_train is not None
    with right:
        st.subheader("4 · Train")
        rows, size = None, None
        if ready:
            size, size_text = size_warning(config, full, n_train)
            try:
                # a network too big to build just for a table gets the estimate's numbers instead
                rows = None if size.is_large else cache.architecture(config, full.image_shape)
            except ValueError as exc:  # e.g. a code wider than the image
                reason = form.field_message(str(exc))
                problems.error(reason, icon=":material/edit:")
                ready = False
        if not ready:
            st.warning(f"**Start is off.** {reason[:1].upper() + reason[1:]}", icon=":material/block:")
        if ready:
            for change in runs.sync_live(run, config):
                st.toast(change[0].upper() + change[1:])
        controls(run, config, full, key, n_train, ready)
        live_section(state.current_run())
        exports.run_downloads(state.current_run())
        if rows:
            architecture_section(rows, size_text)
        elif ready and size is not None:
            st.caption(f"Architecture: {size.parameters:,} parameters (the layer table is not built for a network "
                       "this large).")
    if full is not None:
        with upload_slot:
            upload_section(full, key)
    sweep_panel.draw(config, full, key, n_train, ready)
    runs_panel.draw()


widgets.guard(main)
