"""Classify: an autoencoder's encoder as features for a small classifier, against pixels and PCA.

The encoder arm trains live (the page's own run, polled by a fragment); once it has
trained, the same head is trained on PCA and on the raw pixels with the same labels and
epochs, and the page shows whatever the numbers say, what the classifier gets wrong, and
the files to download.
"""

import pandas as pd
import streamlit as st

from aecore import classify
from aecore.training import IDLE, STOPPED
from ui import classify as cl
from ui import page_memory as memory
from ui import plots, runs, state, widgets

MODEL, BUDGET, MODE, UNITS, DROPOUT, EPOCHS = "cl_model", "cl_budget", "cl_mode", "cl_units", "cl_dropout", "cl_epochs"
CHART_LOSS, CHART_ACC, CHART_ARMS, CHART_EFF = "cl_chart_loss", "cl_chart_acc", "cl_chart_arms", "cl_chart_eff"
CHART_CONFUSION, CHART_WRONG, EFFICIENCY = "cl_chart_confusion", "cl_chart_wrong", "cl_efficiency"
DL_CLASSIFIER, DL_ENCODER = "cl_dl_classifier", "cl_dl_encoder"
KEPT = "cl_kept"
FROZEN, FINE_TUNED = "frozen", "fine-tuned"
PLAIN = {"displayModeBar": False}


def settings_row(ds):
    budgets = cl.budgets(ds)
    memory.keep_valid(BUDGET, budgets, 0)
    c = st.columns([2, 2, 1.4, 1.6, 1.2])
    budget = c[0].selectbox("Labels", budgets, key=BUDGET, format_func=cl.budget_label,
                            help="How many labelled training images the classifier sees: every label, or N of "
                                 "each class (the autoencoder saw every image, without labels)")
    mode = c[1].radio("Encoder", (FROZEN, FINE_TUNED), key=MODE, horizontal=True,
                      help="Frozen: only the head learns, on the code as the autoencoder made it. Fine-tuned: "
                           "a copy of the encoder learns with the head (the model itself is left as it was)")
    units = c[2].selectbox("Head width", cl.UNIT_CHOICES, key=UNITS, help="Units of the head's dense layer")
    dropout = c[3].slider("Dropout", 0.0, 0.8, step=0.1, key=DROPOUT, help="Dropout after the dense layer")
    epochs = c[4].number_input("Epochs", min_value=1, max_value=200, step=1, key=EPOCHS,
                               help=f"Passes over the labelled images (at least {classify.MIN_EPOCH_EXAMPLES:,} "
                                    "examples each: a small set is repeated); the baselines get the same")
    return {"labels_per_class": int(budget) or None, "fine_tune": mode == FINE_TUNED, "units": int(units),
            "dropout": round(float(dropout), 2), "epochs": int(epochs), "seed": 0}


def controls(session, label, entry, ds, settings):
    status = session.run.status if session is not None else None
    action = widgets.run_buttons("cl", status, start_help="Train the head on the encoder's code with these settings",
                                 stop_help="Stop after the current batch; the classifier keeps what it learned",
                                 reset_help="Fresh head weights, with the settings above")
    fresh = not cl.matches(session, label, settings)
    if action == "start":
        if fresh or status != IDLE:
            session = cl.new_session(label, entry, ds, settings)
        session.run.set_epochs(settings["epochs"])
        session.run.start()
    elif action == "step":
        if session is None or fresh:
            session = cl.new_session(label, entry, ds, settings)
        session.run.step()
    elif action in ("pause", "resume", "stop"):
        getattr(session.run, action)()
    elif action == "reset":
        cl.new_session(label, entry, ds, settings)
    else:
        return
    st.rerun()


def live(session):
    if session is None:
        st.info("Press **Start**: a small classifier (a dense layer, dropout, a softmax over the classes) learns "
                "the labels from the encoder's code; then the same classifier learns them from PCA and from the "
                "raw pixels, for comparison.")
        return
    widgets.live_section(session.run.status, lambda status0: draw(session, status0))


def draw(session, status0):
    run = session.run
    snap = run.snapshot()
    if snap.status != status0:
        st.rerun()
    cfg = run.config
    widgets.status_line(snap.status, f"head {cfg['units']} units, dropout {cfg['dropout']:g}, encoder "
                                     f"{'fine-tuned' if cfg['fine_tune'] else 'frozen'}, "
                                     f"{classify.budget_text(cfg['labels_per_class'])} "
                                     f"({run.inputs.n_labelled:,} labelled images)")
    if cl.failed(session):
        st.error(snap.reason or "training failed")
    elif snap.status == STOPPED and snap.reason:
        st.caption(snap.reason[0].upper() + snap.reason[1:])
    st.progress(snap.progress.fraction, text=runs.progress_text(snap))
    h = snap.history
    acc, val_acc = h.extra.get("accuracy", []), h.extra.get("val_accuracy", [])
    m = st.columns(4)
    m[0].metric("Train accuracy", f"{acc[-1]:.1%}" if acc else "–")
    m[1].metric("Validation accuracy", f"{val_acc[-1]:.1%}" if val_acc else "–",
                help=f"On the first {min(run.val_limit, len(run.inputs.x_test)):,} test images; nothing is chosen "
                     "on it (the epochs are fixed)")
    m[2].metric("Train loss", plots.fmt_number(h.loss[-1] if h.loss else None))
    m[3].metric("Validation loss", plots.fmt_number(h.val_loss[-1] if h.val_loss else None))
    a, b = st.columns(2)
    a.plotly_chart(cl.loss_curves(h), key=CHART_LOSS, config=PLAIN)
    b.plotly_chart(cl.accuracy_figure(h), key=CHART_ACC, config=PLAIN)


def results(session):
    ds, run = session.dataset, session.run
    epochs = len(run.history.epoch)
    st.subheader("Encoder, PCA and raw pixels: the same head, labels and epochs")
    enc = cl.encoder_result(session)
    with st.spinner(f"Training the same head on PCA and on the raw pixels ({epochs} epochs each)…"):
        base = cl.baselines(session)
    all_results = {"encoder": enc, **base}
    h, w = ds.image_shape
    m = st.columns(3)
    for col, arm in zip(m, classify.ARMS, strict=True):
        col.metric(f"Test accuracy: {cl.ARM_NAMES[arm]}", f"{all_results[arm].accuracy:.1%}")
    left, right = st.columns([3, 2])
    left.table(pd.DataFrame(cl.result_rows(all_results, len(ds.y_test), session.entry.code_size, h * w)),
               hide_index=True)
    right.plotly_chart(cl.arms_figure(all_results), key=CHART_ARMS, config=PLAIN)
    best = max(all_results, key=lambda a: all_results[a].accuracy)
    if best != "encoder":
        st.caption(f"Here **{cl.ARM_NAMES[best].lower()}** beat the encoder. That is a finding, not a bug: an "
                   "autoencoder's code is made to redraw the images, not to tell the classes apart, and on "
                   "MNIST-like images PCA and even raw pixels are strong features. Try fewer labels, or fine-tuning.")
    st.caption(f"All {len(ds.y_test):,} test images of **{ds.name}**; {run.inputs.n_labelled:,} labelled training "
               f"images; {epochs} epochs; PCA fitted on the training images without labels.")

    st.subheader("Accuracy against labels per class")
    mode = "fine-tuned" if run.config["fine_tune"] else "frozen"
    if session.show_efficiency:
        efficiency_chart(session)
    elif st.button("Compute the label-efficiency chart", key=EFFICIENCY, icon=":material/query_stats:",
                   help=f"Trains the three arms at {', '.join(classify.budget_text(b) for b in classify.BUDGETS)} "
                        f"({mode} encoder, this head, {epochs} epochs): {3 * len(classify.BUDGETS)} small runs"):
        session.show_efficiency = True
        efficiency_chart(session)

    st.subheader("What the classifier gets wrong")
    a, b = st.columns([1, 1])
    cm = classify.confusion(ds.y_test, enc.y_pred, len(ds.class_names))
    a.plotly_chart(cl.confusion_figure(cm, ds.class_names), key=CHART_CONFUSION, config=PLAIN)
    wrong = classify.misclassified(ds.y_test, enc.y_pred, cl.MAX_WRONG)
    if len(wrong):
        b.markdown(f"**{len(wrong)} of the {int((ds.y_test != enc.y_pred).sum()):,} misclassified test images** "
                   "(true → predicted)")
        b.plotly_chart(plots.image_grid(ds.x_test[wrong], cl.wrong_titles(ds.y_test[wrong], enc.y_pred[wrong],
                                                                          ds.class_names), cols=6, tile_px=70),
                       key=CHART_WRONG, config={**PLAIN, "staticPlot": True})
    else:
        b.success("Every test image is classified correctly.")

    st.subheader("Save it, as the article does")
    c = st.columns(2)
    c[0].download_button("Download the classifier (.keras)", cl.download_bytes(session, "classifier"),
                         file_name="classifier.keras", key=DL_CLASSIFIER, icon=":material/download:",
                         help="Images in the autoencoder's input scale -> class probabilities; loads with "
                              "keras.models.load_model(path, safe_mode=True)")
    c[1].download_button("Download the encoder (.keras)", cl.download_bytes(session, "encoder"),
                         file_name="encoder.keras", key=DL_ENCODER, icon=":material/download:",
                         help="The fine-tuned copy when fine-tuned, else the autoencoder's own encoder")


def efficiency_chart(session):
    bar = st.progress(0.0, text="Training the label-efficiency arms…")
    try:
        rows = cl.efficiency(session, progress=lambda f, t: bar.progress(f, text=f"Training: {t}"))
    finally:
        bar.empty()
    st.plotly_chart(cl.efficiency_figure(rows), key=CHART_EFF, config=PLAIN)
    st.caption("Each point is the test accuracy of a fresh head trained on that many labelled images per class "
               "(the last point: every label). With few labels the features matter most.")


def main():
    st.title("Classify")
    st.markdown("**The lesson:** an autoencoder learns its code without labels; stack a small classifier on its "
                "encoder and train it on the labels, and you can measure whether that code makes better features "
                "than raw pixels or PCA with as many numbers — often it does not. It comes from the "
                "\"autoencoder classification in Keras\" recipe: train an autoencoder, keep its encoder, add a "
                "dense layer, dropout and a softmax, train on the labels, and save the encoder and the classifier.")
    available = widgets.require_model("use its encoder as features for a classifier")
    labels = list(available)
    kept = memory.restore_widgets(KEPT, {BUDGET: 0, MODE: FROZEN, UNITS: classify.DEFAULTS["units"],
                                         DROPOUT: classify.DEFAULTS["dropout"], EPOCHS: classify.DEFAULTS["epochs"]})
    memory.keep_valid(MODEL, labels, kept.get(MODEL) if kept.get(MODEL) in labels else labels[0])
    label = st.selectbox("Model", labels, key=MODEL, format_func=lambda x: f"{x} (code {available[x].code_size}-d)",
                         help="Any model trained (or loaded) in this session; its encoder gives the features")
    entry = available[label]
    ds = state.entry_dataset(entry)
    classify.check_encoder_model(entry.models)
    settings = settings_row(ds)
    memory.remember_widgets(KEPT, (MODEL, BUDGET, MODE, UNITS, DROPOUT, EPOCHS))
    session = cl.current()
    controls(session, label, entry, ds, settings)
    if session is not None and not cl.matches(session, label, settings):
        st.caption("The run below was trained with other settings (or another model); press **Start** to train "
                   "one with these.")
    live(session)
    if session is not None and session.trained:
        with widgets.user_errors():
            results(session)


widgets.guard(main)
