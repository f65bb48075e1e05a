"""Linear AE vs PCA: train a linear autoencoder live and watch it reach PCA's subspace.

The run is the page's own ``TrainingRun`` (a Train-page run is left alone), polled by a
fragment twice a second; the principal angles are measured at each epoch's end by a hook
on the run. PCA of the same training images is computed once, from scratch, and checked
against scikit-learn's.
"""

import streamlit as st

from aecore.training import IDLE, STOPPED
from aecore.variants import resolve_config
from ui import linear_pca as lp
from ui import page_memory as memory
from ui import runs, state, widgets

K, EPOCHS = "lp_k", "lp_epochs"
CHART_ANGLES, CHART_MSE, CHART_BASIS = "lp_chart_angles", "lp_chart_mse", "lp_chart_basis"
KEPT = "lp_kept"
PRESET = resolve_config("linear")
PLAIN = {"displayModeBar": False}


def controls(session, k, epochs, full, key):
    status = session.run.status if session is not None else None
    action = widgets.run_buttons("lp", status, step=False,
                                 start_help=f"Train a fresh linear autoencoder with a {k}-number code",
                                 stop_help="Stop after the current batch; the model keeps what it learned",
                                 reset_help="Fresh random weights, with the code size above")
    if action == "start":
        same = session is not None and status == IDLE and session.k == k and session.run.config["epochs"] == epochs
        (session if same else lp.new_session(k, epochs, full, key)).run.start()
    elif action in ("pause", "resume", "stop"):
        getattr(session.run, action)()
    elif action == "reset":
        lp.new_session(k, epochs, full, key)
    else:
        return
    st.rerun()


def live(session, data, key, k):
    if session is None:
        fit = lp.pca_fit(data, key)
        st.info("Press **Start**: the angles between the autoencoder's subspace and PCA's fall epoch by epoch, "
                "and its error comes down to PCA's.")
        a, b = st.columns(2)
        a.plotly_chart(lp.angles_figure([], None), key=CHART_ANGLES, config=PLAIN)
        b.plotly_chart(lp.mse_figure([], [], [], lp.pca_test_mse(data, key, k), k), key=CHART_MSE, config=PLAIN)
        st.markdown(f"**PCA's top {k} eigen-images** (grey is 0, light positive, dark negative)")
        st.plotly_chart(lp.basis_figure(fit.top(k), None, data.image_shape), key=CHART_BASIS,
                        config={**PLAIN, "staticPlot": True})
        return
    widgets.live_section(session.run.status, lambda status0: draw(session, status0))


def draw(session, status0):
    run = session.run
    snap = run.snapshot()
    if snap.status != status0:
        st.rerun()
    k = session.k
    widgets.status_line(snap.status, f"linear autoencoder, code {k}, on {run.dataset.name}, "
                                     f"{len(run.dataset.x_train):,} images")
    if lp.failed(session):
        st.error(snap.reason or "training failed")
    elif snap.status == STOPPED and snap.reason:
        st.caption(snap.reason[0].upper() + snap.reason[1:])
    st.progress(snap.progress.fraction, text=runs.progress_text(snap))
    epochs, angles = session.tracker.history()
    h = snap.history
    aligned, largest = lp.aligned_basis(session)
    m = st.columns(4)
    m[0].metric("Largest angle to PCA", f"{largest:.1f}°",
                help=f"0° = the same subspace; the lesson's goal is at most {lp.GOAL_DEG:g}°")
    m[1].metric("Autoencoder test MSE", f"{h.val_loss[-1]:.5f}" if h.val_loss else "–")
    m[2].metric(f"PCA-{k} test MSE", f"{session.pca_mse:.5f}")
    m[3].metric("Ratio", f"{h.val_loss[-1] / session.pca_mse:.3f}" if h.val_loss else "–",
                help="autoencoder / PCA; 1 is the best any linear code of this size can do")
    a, b = st.columns(2)
    a.plotly_chart(lp.angles_figure(epochs, angles), key=CHART_ANGLES, config=PLAIN)
    b.plotly_chart(lp.mse_figure(h.epoch, h.val_loss, h.loss, session.pca_mse, k), key=CHART_MSE, config=PLAIN)
    st.markdown(f"**PCA's top {k} eigen-images, and the decoder's {k} basis images rotated to match them** "
                "(orthogonal Procrustes; grey is 0, light positive, dark negative)")
    st.plotly_chart(lp.basis_figure(session.fit.top(k), aligned, run.dataset.image_shape), key=CHART_BASIS,
                    config={**PLAIN, "staticPlot": True})
    if k > lp.MAX_SHOWN:
        st.caption(f"The first {lp.MAX_SHOWN} of {k} shown.")


def scratch_panel(data, key, k):
    st.subheader("PCA from scratch")
    st.markdown("Centre the images, take their covariance, and its eigenvectors are the principal components "
                "(`numpy.linalg.eigh`, for symmetric matrices). This is the code the page runs:")
    left, right = st.columns([3, 2])
    left.code(lp.pca_source(), language="python", wrap_lines=True)
    fit = lp.pca_fit(data, key)
    diff = lp.sklearn_check(data, key, k)
    h, w = data.image_shape
    right.table(lp.scratch_rows(fit, k, diff, h * w), hide_index=True, border="horizontal")
    right.caption("Each eigenvector's sign is arbitrary; the components are compared after matching signs.")


def main():
    st.title("Linear autoencoder vs PCA")
    st.markdown("**The lesson:** an autoencoder with no activations, trained on squared error, finds the same "
                "subspace as PCA's top *k* components — any basis of it, not the components themselves. "
                "It comes from Baldi & Hornik (1989), as the autoencoder survey this app follows retells it.")
    full = state.current_dataset()
    key = state.dataset_name()
    data = lp.training_set(full)
    h, w = data.image_shape
    max_k = min(lp.MAX_K, h * w)
    memory.restore_widgets(KEPT, {K: min(PRESET["code_dim"], max_k), EPOCHS: PRESET["epochs"]})
    c1, c2, c3 = st.columns([2, 2, 5], vertical_alignment="bottom")
    k = c1.number_input("Code size k", min_value=1, max_value=max_k, step=1, key=K,
                        help="How many numbers the code has, and how many principal components it is compared with")
    epochs = c2.number_input("Epochs", min_value=1, max_value=200, step=1, key=EPOCHS,
                             help=f"The preset: {PRESET['epochs']} epochs of {PRESET['optimizer']} at learning rate "
                                  f"{PRESET['learning_rate']:g}, batch {PRESET['batch_size']}")
    memory.remember_widgets(KEPT, (K, EPOCHS))
    c3.caption(f"Trains on **{data.name}**: {len(data.x_train):,} training images (test MSE on "
               f"{min(len(data.x_test), 2000):,} test images); choose the dataset on the Train page. "
               f"Optimizer {PRESET['optimizer']}, learning rate {PRESET['learning_rate']:g}, "
               f"batch {PRESET['batch_size']}, MSE.")
    session = lp.current()
    controls(session, int(k), int(epochs), full, key)
    if session is not None and session.k != k:
        st.caption(f"The run below has a {session.k}-number code; press **Start** to train one with {k}.")
    if session is not None:
        note = lp.keep_finished(session)
        if note:
            st.warning(note)
    live(session, data, key, session.k if session is not None else int(k))
    scratch_panel(data, key, session.k if session is not None else int(k))


widgets.guard(main)
