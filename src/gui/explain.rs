//! The short texts beside each view: what the plot shows, what the tutorials advised, and
//! which framework switch corresponds.

use eframe::egui::{self, RichText};

use super::state::View;

pub fn text(view: View) -> &'static str {
    match view {
        View::Distributions => {
            "Each column trains the same model many times under one condition. all-fixed fixes every seed \
             (tf.keras.utils.set_random_seed / torch.manual_seed + fixed data and split), so its runs are \
             bitwise identical: repeatable, but where that single result falls in the all-free spread is luck. \
             Each only-X column frees one source. The tutorials' advice, \"repeat your experiment 30+ times and \
             report summary statistics\", is what the all-free column does. Lessons: library-rng initialises \
             through candle's own unseedable RNG (like forgetting to seed TensorFlow's global generator); nudge \
             moves one initial weight by one ULP and shows that training amplifies a tiny difference (now and then \
             the first step rounds the ULP away, and that run matches all-fixed bit for bit). \
             On drawn data sets, \"fresh data\" scores the same trained runs on 20,000 new points from the \
             generator: the columns narrow to the model's true spread, without the test set's coin flips."
        }
        View::Sources => {
            "The run-to-run std of the test metric per condition, with its 95% bootstrap CI as error bars, and \
             churn: the fraction of test points on which two runs of the condition predict differently, averaged \
             over all pairs. Two runs with the same accuracy can still disagree on many points. Threads: with the \
             thread source free, partial gradients are summed in the order threads finish; the fix in frameworks is \
             tf.config.experimental.enable_op_determinism() or torch.use_deterministic_algorithms(True). \
             Test-set noise: a test accuracy averages n points, and two runs that differ only in init, dropout or \
             shuffle disagree on a handful of borderline ones; which of those fall on which side behaves like \
             independent coin flips (Jordan, ICLR 2024). Summed over n points those flips alone make a spread of \
             sqrt(Σ p(1−p))/n over the points. Where every run was tested on the same points, each bar is split: the pale part is \
             that noise, the dark part the model's own spread, estimated as n/(n−1)·(std² − noise²), with the upper \
             end of a 95% interval that resamples runs and test points as a whisker. The diamond is the spread \
             measured directly on 20,000 fresh points (drawn data sets). A free split or data source tests each run \
             on different points from one pool, so there the noise cannot be separated."
        }
        View::Curves => {
            "Every run's training loss and test metric per epoch for one condition; the band is mean ± std. \
             Runs that start from different initial weights or see batches in a different order take \
             different paths, and often end in different places."
        }
        View::Disagreement => {
            "For 2-D data sets: the fraction of the condition's runs that predict class 1 at each point of the plane. \
             Deep blue or deep red: every run agrees; white (0.5): the runs split evenly. The dots are the data of \
             the first run. Pick a run to see its own decision regions."
        }
        View::Compare => {
            "Is a difference real? Only where both sides spread. A condition whose runs are bitwise identical \
             (all-fixed) is one outcome repeated, not thirty observations: the view then reads it as seed luck, \
             where that one result sits among the other side's runs, instead of running a test that would treat \
             one number as thirty. When both sides spread: two conditions of one sweep are two randomness settings, \
             not competitors, so the verdict says which moves the result more (the ratio of their standard \
             deviations, with a bootstrap CI) and reads a gap between their means as the draw their fixed sources \
             landed on. The table adds Welch's t-test on the means and P(A>B), the chance that a run of A scores \
             above a run of B, with a bootstrap CI. Below: how many \
             runs pin each mean within ±ε, how many per side detect a difference δ (80% power, α = 0.05), and how \
             the running mean and std settled as runs accumulated: if the band is still narrowing at the right \
             edge, more runs would change the answer. When both sides were tested on the same points, a last line \
             says whether the difference is within test-set noise: another test set of the same size could erase it."
        }
        View::Study => {
            "Is a change better than seed luck? Pick a field and two or more values: each value is run as the \
             experiment on the left under the same master seed, so run r of every setting draws the same seeds \
             and differs from the others by the setting alone. The verdict pairs the runs (Wilcoxon signed-rank, \
             Holm-corrected over the pairs), gives the effect size and the interquartile mean, and says how many \
             runs would decide a difference it cannot. The plot draws each run's line across the settings; the \
             grid, each setting against each other one."
        }
        View::SeedLuck => {
            "Fixing every seed makes a result repeatable, not representative. This view reads the fixed-seed \
             result (all-fixed) against the runs with every source free (all-free): its percentile (better than \
             that share of free runs, with a bootstrap 95% CI), the median and IQR of the free runs, and the \
             expected best of k seeds, exact from the order statistics of the free runs: what a paper that \
             reports its best seed out of k would show. The tutorials' \"repeat 30+ times and report summary \
             statistics\" is the honest alternative; this is what the single seed would have told you instead."
        }
        View::Runs => {
            "One row per run with every seed it used. Replay re-trains a run from its recorded seeds and checks the \
             hash of its final weights: bit-for-bit reproducibility, except for runs whose result depended on a \
             thread race or on candle's unseedable RNG."
        }
        View::History => {
            "Every experiment in the run store, most recently used first: its settings, master seed and how many \
             runs are stored. Every finished run is kept the moment it finishes, so closing the app (or a crash) \
             loses only the runs in flight. Open shows an experiment again with all its runs, without training; \
             Run then trains only what is missing. The store is one SQLite file (its path is below); delete it \
             to start afresh."
        }
    }
}

pub fn show(ui: &mut egui::Ui, view: View) {
    egui::CollapsingHeader::new(RichText::new("What am I looking at?").weak())
        .id_salt(("explain", view.title()))
        .default_open(false)
        .show(ui, |ui| {
            ui.label(text(view));
        });
}
