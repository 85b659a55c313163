"""seedscope's warm start for Python commands (issue 47): import a script's heavy modules once,
then fork one child per run that runs the script as `__main__`, as a cold `python3 script.py`
would, with the run's argv, environment, working folder, stdout and stderr.

    python3 seedscope_warm.py SOCKET --preload torch,numpy
    python3 seedscope_warm.py SOCKET --script train.py

seedscope starts one of these per environment class in use (the environment a
library reads at import: thread counts, CUBLAS_WORKSPACE_CONFIG), with that environment. It
never imports the user's own code: only the modules named by --preload, or with --script the
third-party packages the script imports at its top level (read with `ast`, not run; the
standard library and anything found in the script's own folder are left out).

The parent prints one JSON line on stdout once it listens: {"ready": true, "preloaded": [...],
"import_s": ...}, or {"cold": "reason"} when a warm child could not behave as a cold process
(an import failed, or initialised CUDA, which a forked child cannot use) and exits. Its own
stderr (an import's warnings) is a file in its private folder, not a run's output.

Per run, seedscope connects to SOCKET and sends one JSON line {"argv": [...], "env": {...},
"cwd": "..."} with two file descriptors attached (SCM_RIGHTS): the run's stdout and stderr.
argv[0] is the script, as `sys.argv` has it. The parent forks; the child:
  - leads a process group of its own (seedscope kills the group, as it does a cold run's),
    and dies with the parent (PR_SET_PDEATHSIG, as the parent dies with seedscope);
  - takes the run's fds as 1 and 2 and /dev/null as 0, the run's environment (os.environ and
    the C environment), working folder and argv;
  - re-seeds the generators a fork shares and a cold start would seed from the OS: NumPy's
    global one (Python's `random` re-seeds itself at fork);
  - runs the script as `__main__`, and exits as the interpreter would: non-daemon threads
    joined, atexit functions run, SystemExit's code, 1 with the script's traceback for an
    uncaught exception.
The parent answers {"pid": N}, waits for the child's exit without reaping it (WNOWAIT, so the
group id stays reserved while seedscope kills the group), answers {"exit": CODE} or
{"signal": SIGNAL}, and reaps the child when seedscope closes the connection.
"""

import ctypes
import json
import os
import select
import signal
import socket
import sys
import time

PR_SET_PDEATHSIG = 1


def die_with_parent():
    """Asks the kernel to SIGKILL this process when its parent dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except OSError:
        pass


def preload(names):
    """Imports each module; returns the names imported and the first failure (or None)."""
    started = time.perf_counter()
    done = []
    for name in names:
        try:
            __import__(name)
        except Exception as error:  # a missing module: the script's own import says why
            return done, f"`import {name}` failed in the warm parent: {error}", 0.0
        done.append(name)
    return done, None, time.perf_counter() - started


def third_party_imports(script):
    """The modules `script` imports at module level (in its body, or in a try/if there),
    less the standard library's and the script's own: what is safe and worth importing
    before the script runs (`from sklearn.neural_network import X` gives
    `sklearn.neural_network`, most of sklearn's import time)."""
    import ast
    import importlib.util

    with open(script, "rb") as handle:
        tree = ast.parse(handle.read(), filename=script)
    names = []

    def visit(statements):
        for node in statements:
            if isinstance(node, ast.Import):
                names.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.append(node.module)
            elif isinstance(node, ast.Try):
                visit(node.body)
            elif isinstance(node, ast.If):
                visit(node.body)
                visit(node.orelse)

    visit(tree.body)
    own = os.path.dirname(os.path.abspath(script))
    chosen = []
    for name in dict.fromkeys(names):
        package = name.split(".")[0]
        if package in sys.stdlib_module_names or package in sys.builtin_module_names:
            continue
        try:
            # The package only: finding a submodule would import its parents.
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            continue
        origin = (spec and (spec.origin or next(iter(spec.submodule_search_locations or []), None)))
        if not origin or os.path.abspath(origin).startswith(own + os.sep):
            continue  # not installed, or the user's own code: never imported early
        chosen.append(name)
    return chosen


def cuda_initialised():
    """How an import initialised CUDA, which a forked child cannot use, or None: PyTorch says
    so, and any framework's shows as the CUDA driver library mapped into this process (it is
    loaded when CUDA is initialised, not when a framework is imported)."""
    torch = sys.modules.get("torch")
    try:
        if torch is not None and torch.cuda.is_initialized():
            return "torch.cuda.is_initialized()"
    except Exception:
        pass
    try:
        with open("/proc/self/maps") as maps:
            if any("/libcuda.so" in line for line in maps):
                return "the CUDA driver (libcuda.so) is loaded"
    except OSError:
        pass
    return None


def reseed_shared_generators():
    """What a cold process seeds from the OS and a fork would share: NumPy's global
    generator (its legacy RandomState). Python's `random` re-seeds itself at fork."""
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed(int.from_bytes(os.urandom(4), "little"))


def child(request, fds):
    """Becomes the run: never returns."""
    code = 1
    try:
        os.setpgid(0, 0)
        die_with_parent()
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGCHLD):
            signal.signal(number, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(fds[0], 1)
        os.dup2(fds[1], 2)
        for fd in (null, *fds):
            if fd > 2:
                os.close(fd)
        sys.stdin = open(0, "r", closefd=False)
        sys.stdout = open(1, "w", buffering=1 if os.isatty(1) else -1, closefd=False)
        sys.stderr = open(2, "w", buffering=1, closefd=False)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        reseed_shared_generators()
        script = os.path.abspath(request["argv"][0])
        sys.argv = list(request["argv"])
        sys.path[0] = os.path.dirname(script)
        try:
            run_as_main(script)
            code = 0
        except SystemExit as end:
            if end.code is None:
                code = 0
            elif isinstance(end.code, int):
                code = end.code
            else:
                print(end.code, file=sys.stderr)
                code = 1
        except BaseException as error:
            print_as_cold(error, script)
            code = 1
        code = finalize_as_cold(code)
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:
            pass
        os._exit(code & 0xFF)


def run_as_main(script):
    """Runs the script as a cold `python3 script.py` does: a fresh `__main__` module whose
    `__file__` and code file name are absolute, and `sys.argv[0]` as the command line gave it
    (runpy.run_path would set it to the path, and keep a relative file name)."""
    import builtins
    import importlib.machinery
    import types

    try:
        with open(script, "rb") as handle:
            source = handle.read()
    except OSError as error:
        # What the interpreter says when it cannot open the script, and its exit code.
        print(f"{sys.executable}: can't open file {script!r}: [Errno {error.errno}] "
              f"{error.strerror}", file=sys.stderr)
        raise SystemExit(2)
    main = types.ModuleType("__main__")
    main.__dict__.update(
        __file__=script,
        __cached__=None,
        __builtins__=builtins,
        __loader__=importlib.machinery.SourceFileLoader("__main__", script),
    )
    sys.modules["__main__"] = main
    exec(compile(source, script, "exec", dont_inherit=True), main.__dict__)


def print_as_cold(error, script):
    """The traceback a cold `python3 script.py` prints: from the script's first frame, without
    this file's frames above it (a SyntaxError has none and prints as it would)."""
    import traceback

    frames = error.__traceback__
    while frames is not None and frames.tb_frame.f_code.co_filename != script:
        frames = frames.tb_next
    traceback.print_exception(type(error), error, frames)


def finalize_as_cold(code):
    """What the interpreter does at exit before the process ends, in its order: wait for the
    script's non-daemon threads, then run the atexit functions (the script's, and those its
    libraries registered at import, as a cold process would). A SystemExit raised there
    changes the code as it would cold."""
    try:
        threading = sys.modules.get("threading")
        if threading is not None:
            threading._shutdown()
        import atexit

        atexit._run_exitfuncs()
    except SystemExit as end:
        code = end.code if isinstance(end.code, int) else (0 if end.code is None else 1)
    except BaseException as error:
        print_as_cold(error, "")
    return code


def send(connection, message):
    connection.sendall((json.dumps(message) + "\n").encode())


def serve(connection):
    """One run: its request, the fork, its exit, the reap."""
    with connection:
        data, fds, _, _ = socket.recv_fds(connection, 1 << 20, 2)
        while not data.endswith(b"\n"):
            more = connection.recv(1 << 20)
            if not more:
                return
            data += more
        request = json.loads(data)
        if len(fds) != 2:
            send(connection, {"error": f"expected 2 descriptors, got {len(fds)}"})
            return
        pid = os.fork()
        if pid == 0:
            connection.close()
            child(request, fds)
        for fd in fds:
            os.close(fd)
        send(connection, {"pid": pid})
        # Exited, not reaped: the group id stays reserved while seedscope ends the group.
        exited = os.pidfd_open(pid)
        try:
            while True:
                ready = wait_for(exited)
                if ready is None:
                    seedscope_gone(running=pid)
                if exited in ready:
                    break
        finally:
            os.close(exited)
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
        if info.si_code == os.CLD_EXITED:
            send(connection, {"exit": info.si_status})
        else:
            send(connection, {"signal": info.si_status})
        connection.recv(1)  # seedscope closes the connection once the group is ended
        os.waitpid(pid, 0)


def wait_for(*fds):
    """Blocks until one of `fds` is readable; ends this parent (and `running`'s group) the
    moment seedscope has ended, however it ended: seedscope holds the other end of this
    process's stdin, which reads empty once seedscope is gone. (Not PR_SET_PDEATHSIG: that
    fires when the *thread* that started this process ends, and the pool lends parents
    across a sweep's worker threads. Not a thread either: forking a threaded process is
    what Python warns against.)"""
    ready, _, _ = select.select([0, *fds], [], [])
    if 0 in ready and not os.read(0, 4096):
        return None
    return ready


def seedscope_gone(running=None):
    if running is not None:
        try:
            os.killpg(running, signal.SIGKILL)
        except OSError:
            pass
    os._exit(0)


def main():
    # Not this file's folder (seedscope's private one) but, as for the script run cold, the
    # script's folder first: what the parent finds is what the script would find.
    sys.path.pop(0)
    path = sys.argv[1]
    names = []
    if len(sys.argv) > 3 and sys.argv[2] == "--preload":
        names = [n for n in sys.argv[3].split(",") if n]
    elif len(sys.argv) > 3 and sys.argv[2] == "--script":
        sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[3])))
        try:
            names = third_party_imports(sys.argv[3])
        except (OSError, SyntaxError, ValueError):
            names = []  # nothing to import early: each run fails as it would cold
        sys.path.pop(0)
    done, failure, seconds = preload(names)
    cuda = cuda_initialised() if failure is None else None
    if cuda is not None:
        failure = f"an import initialised CUDA in the warm parent ({cuda}); a forked child cannot use it"
    if failure is not None:
        print(json.dumps({"cold": failure}), flush=True)
        return
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    print(json.dumps({"ready": True, "preloaded": done, "import_s": seconds}), flush=True)
    while True:
        if wait_for(listener.fileno()) is None:
            seedscope_gone()
        connection, _ = listener.accept()
        serve(connection)


if __name__ == "__main__":
    main()
