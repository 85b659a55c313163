//! The app's one way to do work off the UI thread: a [`Task`] runs a closure on a named
//! thread, hands back its one result, and asks the window to repaint when it is done. A
//! thread that cannot be started, or that ends without answering (it panicked), is a
//! [`TaskError`] the caller shows, never a panic of the UI thread and never a spinner that
//! waits forever.

use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::Instant;

use eframe::egui;

/// Why a task gave no result.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    #[error("could not start a thread for {name}: {source}")]
    NoThread {
        name: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("the thread for {name} stopped without an answer")]
    Stopped { name: &'static str },
}

enum State<T> {
    Waiting(Receiver<T>),
    Failed(TaskError),
    Taken,
}

/// Work running on its own thread, with one result to collect.
pub struct Task<T> {
    name: &'static str,
    state: State<T>,
    pub started: Instant,
}

impl<T: Send + 'static> Task<T> {
    /// Starts `work` on a thread named `seedscope-<name>`; the window repaints when it ends.
    pub fn spawn(
        name: &'static str,
        ctx: Option<&egui::Context>,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Task<T> {
        let (sender, receiver) = mpsc::channel();
        let waker = ctx.cloned();
        let state = match spawn_named(name, move || {
            let _ = sender.send(work());
            if let Some(ctx) = waker {
                ctx.request_repaint();
            }
        }) {
            Ok(()) => State::Waiting(receiver),
            Err(error) => State::Failed(error),
        };
        Task {
            name,
            state,
            started: Instant::now(),
        }
    }

    /// The result once the work is done (once: later calls give `None`).
    pub fn poll(&mut self) -> Option<Result<T, TaskError>> {
        let answer = match &self.state {
            State::Taken => return None,
            State::Failed(_) => None,
            State::Waiting(receiver) => match receiver.try_recv() {
                Ok(value) => Some(Ok(value)),
                Err(TryRecvError::Empty) => return None,
                Err(TryRecvError::Disconnected) => {
                    Some(Err(TaskError::Stopped { name: self.name }))
                }
            },
        };
        match std::mem::replace(&mut self.state, State::Taken) {
            State::Failed(error) => Some(Err(error)),
            _ => answer,
        }
    }

    /// Whether the result is still to come.
    pub fn is_running(&self) -> bool {
        matches!(self.state, State::Waiting(_))
    }
}

/// Runs `work` on a thread named `seedscope-<name>`: the only place the app starts threads
/// (a sweep's workers are the engine's).
pub fn spawn_named(
    name: &'static str,
    work: impl FnOnce() + Send + 'static,
) -> Result<(), TaskError> {
    std::thread::Builder::new()
        .name(format!("seedscope-{name}"))
        .spawn(work)
        .map(drop)
        .map_err(|source| TaskError::NoThread { name, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait<T: Send + 'static>(task: &mut Task<T>) -> Result<T, TaskError> {
        for _ in 0..1000 {
            if let Some(answer) = task.poll() {
                return answer;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        panic!("the task never answered");
    }

    #[test]
    fn a_task_answers_once() {
        let mut task = Task::spawn("test", None, || 6 * 7);
        assert_eq!(wait(&mut task).unwrap(), 42);
        assert!(task.poll().is_none());
        assert!(!task.is_running());
    }

    #[test]
    fn a_task_whose_thread_panics_is_an_error_not_a_wait() {
        let mut task: Task<u32> = Task::spawn("panicking", None, || panic!("deliberate"));
        assert!(matches!(wait(&mut task), Err(TaskError::Stopped { .. })));
    }
}
