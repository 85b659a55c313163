//! View figures too slow for a frame, computed on a thread: the bootstrap behind Compare and
//! Seed luck takes most of a second at 12,500 runs a side (2,000 resamples of P(A>B)).
//!
//! A view asks for its figure every frame with a key (the runs on screen); the first ask for a
//! key starts the work, and until it is done the view shows the figure of the previous key, or
//! a note that it is being computed. Small inputs are computed inline, as before, so a view of
//! a few hundred runs never shows a placeholder.

use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher, Hash};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use eframe::egui;

/// Figures being computed on threads right now for one window (an unattended snapshot waits
/// for none). It lives in the window's egui context, so two apps in one process (the UI
/// tests) do not count each other's work.
fn running(ctx: &egui::Context) -> Arc<AtomicUsize> {
    ctx.data_mut(|d| {
        d.get_temp_mut_or_insert_with(egui::Id::unique("view-background/running"), || {
            Arc::new(AtomicUsize::new(0))
        })
        .clone()
    })
}

/// Whether any view figure of this window is still being computed.
pub fn busy(ctx: &egui::Context) -> bool {
    running(ctx).load(Ordering::Acquire) > 0
}

/// A figure as a frame finds it.
pub enum Figure<T> {
    /// Computed for this key.
    Ready(Arc<T>),
    /// Computed for an earlier key; this key's is on its way.
    Stale(Arc<T>),
    /// Nothing computed yet.
    Pending,
}

struct Slot<T> {
    done: Option<(u64, Arc<T>)>,
    started: Option<u64>,
}

/// The result for `key`, cached under `name`. Only when it is not there yet does `prepare`
/// run (on the UI thread: it gathers what the work needs from the session) and hand back the
/// work, which runs inline when `inline` (small inputs), else on a thread, the previous key's
/// result standing in meanwhile.
pub fn figure<K, T, W>(
    ui: &egui::Ui,
    name: &str,
    key: K,
    inline: bool,
    prepare: impl FnOnce() -> W,
) -> Figure<T>
where
    K: Hash,
    T: Send + Sync + 'static,
    W: FnOnce() -> T + Send + 'static,
{
    let key: u64 = BuildHasherDefault::<DefaultHasher>::default().hash_one(&key);
    let id = egui::Id::unique(format!("view-background/{name}").as_str());
    let slot: Arc<Mutex<Slot<T>>> = ui.data_mut(|d| {
        d.get_temp_mut_or_insert_with(id, || {
            Arc::new(Mutex::new(Slot {
                done: None,
                started: None,
            }))
        })
        .clone()
    });
    let mut state = slot.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((done_key, value)) = &state.done
        && *done_key == key
    {
        return Figure::Ready(Arc::clone(value));
    }
    if inline {
        let value = Arc::new(prepare()());
        state.done = Some((key, Arc::clone(&value)));
        return Figure::Ready(value);
    }
    if state.started != Some(key) {
        state.started = Some(key);
        let compute = prepare();
        let running = running(ui.ctx());
        running.fetch_add(1, Ordering::AcqRel);
        let (in_thread, ctx, in_flight) = (Arc::clone(&slot), ui.ctx().clone(), running.clone());
        let spawned = crate::gui::task::spawn_named("view-figure", move || {
            let value = Arc::new(compute());
            let mut state = in_thread.lock().unwrap_or_else(|p| p.into_inner());
            // A newer key may have started meanwhile; this result still beats none.
            state.done = Some((key, value));
            drop(state);
            in_flight.fetch_sub(1, Ordering::AcqRel);
            ctx.request_repaint();
        });
        if spawned.is_err() {
            // No thread to be had: this key's figure is never coming; the next frame asks
            // again (its work was handed to the failed spawn and dropped).
            running.fetch_sub(1, Ordering::AcqRel);
            state.started = None;
        }
    }
    match &state.done {
        Some((_, value)) => Figure::Stale(Arc::clone(value)),
        None => Figure::Pending,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `f` in a frame of `ctx` and returns what it returned.
    fn in_frame<R>(ctx: &egui::Context, f: impl FnOnce(&mut egui::Ui) -> R) -> R {
        let (mut f, mut out) = (Some(f), None);
        let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
            if let Some(f) = f.take() {
                out = Some(f(ui));
            }
        });
        // No renderer takes the font texture here (a debug build asserts someone did).
        output.textures_delta.clear();
        out.expect("the frame ran")
    }

    fn ask(ctx: &egui::Context, key: u32, inline: bool) -> Figure<u32> {
        in_frame(ctx, |ui| {
            figure(ui, "test", key, inline, move || move || key * 10)
        })
    }

    fn wait_ready(ctx: &egui::Context, key: u32) -> u32 {
        for _ in 0..500 {
            if let Figure::Ready(value) = ask(ctx, key, false) {
                return *value;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        panic!("the figure never arrived");
    }

    #[test]
    fn a_figure_comes_from_its_thread_and_the_last_one_stands_in_for_the_next() {
        let ctx = egui::Context::default();
        assert!(matches!(ask(&ctx, 1, false), Figure::Pending));
        assert_eq!(wait_ready(&ctx, 1), 10);
        // A new key: the old figure stands in until the new one is there.
        match ask(&ctx, 2, false) {
            Figure::Stale(value) => assert_eq!(*value, 10),
            Figure::Ready(value) => assert_eq!(*value, 20, "already done"),
            Figure::Pending => panic!("the last figure should stand in"),
        }
        assert_eq!(wait_ready(&ctx, 2), 20);
        assert!(
            matches!(ask(&ctx, 3, true), Figure::Ready(v) if *v == 30),
            "inline"
        );
    }

    /// The count of figures in flight belongs to one window: another window (another egui
    /// context) is not kept waiting by it, and it drops to zero when the figure is in.
    #[test]
    fn busy_counts_this_windows_figures_only() {
        let (ctx, other) = (egui::Context::default(), egui::Context::default());
        let (release, gate) = std::sync::mpsc::channel::<()>();
        let gate = Mutex::new(Some(gate));
        let first = in_frame(&ctx, |ui| {
            figure(ui, "slow", 1u32, false, || {
                let gate = gate.lock().unwrap().take().unwrap();
                move || gate.recv().map(|()| 1u32).unwrap_or(0)
            })
        });
        assert!(matches!(first, Figure::Pending));
        assert!(busy(&ctx), "a figure is on its way in this window");
        assert!(!busy(&other), "the other window has nothing in flight");
        release.send(()).unwrap();
        for _ in 0..500 {
            if !busy(&ctx) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        panic!("busy stayed on after the figure arrived");
    }
}
