"""Sandbox launcher: the only code that runs as root on the sandbox side.

Started by ``tools.sandbox.runner`` as ``<base python> -I -S _launcher.py <status_fd>``
with a scrubbed environment; reads one job (JSON) from stdin. Standard library only,
because the app's virtualenv is not visible once the new root is in place.

Process layout::

    launcher (root, host namespaces; unshares net/mount/pid/ipc/uts, then forks)
      └─ init (root, pid 1 of the new pid namespace; builds the new root, enforces
         │      wall time, reports the outcome on <status_fd>, dies with the launcher)
         └─ user (random unprivileged uid, rlimits, no_new_privs, a seccomp filter that
               refuses tracing, mounts, namespaces, keys, eBPF, io_uring …; runs the snippet)

The seccomp filter is ``_seccomp.py`` next to this file, imported at start-up (before any
namespace or mount). Fails closed: if a namespace or a mount cannot be made, the job is not
run and the status reports ``sandbox_unavailable``.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import stat
import sys

TYPE_CHECKING = False  # no `import typing`: every millisecond of start-up counts
if TYPE_CHECKING:
    from typing import Any

if __package__:  # imported by the app (tests): the filter is a module of the same package
    from tools.sandbox._seccomp import install_seccomp
else:  # run as a file under -I, so its folder is not on sys.path: put it there for one import
    sys.dont_write_bytecode = True  # root writes nothing into the app's tree
    sys.path.append(os.path.dirname(os.path.abspath(__file__)))
    from _seccomp import install_seccomp  # type: ignore[no-redef]

    del sys.path[-1]

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
SYS_PIVOT_ROOT = 155  # x86_64

EXIT_MEMORY = 3
RESULT_FILE = "/tmp/.axweb_result.json"
ROOT = "/tmp"  # mount point of the new root inside the private mount namespace

libc = ctypes.CDLL(None, use_errno=True)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(src: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    enc = [None if s is None else s.encode() for s in (src, target, fstype)]
    _check(libc.mount(enc[0], enc[1], enc[2], flags, data.encode() or None), f"mount {target}")


def _bind(src: str, target: str, extra: int) -> None:
    _mount(src, target, None, MS_BIND | MS_REC)
    _mount(None, target, None, MS_REMOUNT | MS_BIND | extra)


def _report(fd: int, payload: dict[str, Any]) -> None:
    data = json.dumps(payload, ensure_ascii=False).encode()
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


# ---------------------------------------------------------------- new root (init, as root)
SYSTEM_TOPS = ("usr", "bin", "lib", "lib64", "sbin")  # bound read-only at the same paths


def under_system_tops(prefix: str) -> bool:
    """Whether the interpreter's prefix is inside a directory the new root binds anyway."""
    parts = os.path.normpath(prefix).strip("/").split("/")
    return parts[0] in SYSTEM_TOPS


def third_party_dirs(prefix: str) -> list[str]:
    """Where packages for the base interpreter live: site-packages, and Debian's dist-packages."""
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    return [
        f"{prefix}/lib/{version}/site-packages",
        f"{prefix}/lib/{version}/dist-packages",
        f"{prefix}/lib/python3/dist-packages",
        f"{prefix}/local/lib/{version}/dist-packages",
    ]


def _build_root(job: dict[str, Any]) -> None:
    uid = job["uid"]
    lim = job["limits"]
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", ROOT, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=256,mode=755")
    ro = MS_RDONLY | MS_NOSUID | MS_NODEV
    for top in SYSTEM_TOPS:
        host = "/" + top
        if os.path.islink(host):
            os.symlink(os.readlink(host), f"{ROOT}/{top}")
        elif os.path.isdir(host):
            os.mkdir(f"{ROOT}/{top}")
            _bind(host, f"{ROOT}/{top}", ro)
    prefix = job["prefix"]
    if not under_system_tops(prefix):  # /usr (Debian) and /usr/local are in the /usr bind already
        os.makedirs(ROOT + prefix)
        _bind(prefix, ROOT + prefix, ro)
    for site in third_party_dirs(prefix):  # hide packages installed for the base interpreter
        if os.path.isdir(ROOT + site):
            _mount("tmpfs", ROOT + site, "tmpfs", ro | MS_NOEXEC, "size=4k,mode=755")
    _make_dev()
    os.mkdir(f"{ROOT}/proc")
    _mount("proc", f"{ROOT}/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.mkdir(f"{ROOT}/tmp")
    opts = f"size={lim['tmpfs_mb']}m,nr_inodes=4096,mode=700,uid={uid},gid={uid}"
    _mount("tmpfs", f"{ROOT}/tmp", "tmpfs", MS_NOSUID | MS_NODEV, opts)
    _make_etc(uid)
    os.chdir(ROOT)
    _check(libc.syscall(SYS_PIVOT_ROOT, b".", b"."), "pivot_root")
    _check(libc.umount2(b".", MNT_DETACH), "umount old root")
    os.chdir("/")
    _mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _make_dev() -> None:
    os.mkdir(f"{ROOT}/dev")
    for name in ("null", "zero", "urandom", "random"):
        target = f"{ROOT}/dev/{name}"
        open(target, "w").close()
        _bind(f"/dev/{name}", target, MS_NOSUID | MS_NOEXEC)


def _make_etc(uid: int) -> None:
    os.mkdir(f"{ROOT}/etc")
    files = {
        "passwd": f"root:x:0:0::/:/bin/false\nsandbox:x:{uid}:{uid}::/tmp:/bin/false\n",
        "group": f"root:x:0:\nsandbox:x:{uid}:\n",
        "hostname": "sandbox\n",
        "hosts": "127.0.0.1 localhost sandbox\n",
    }
    for name, text in files.items():
        with open(f"{ROOT}/etc/{name}", "w") as fh:
            fh.write(text)


# ---------------------------------------------------------------- user process
def _drop_privileges(job: dict[str, Any]) -> None:
    uid, lim = job["uid"], job["limits"]
    os.chdir("/tmp")
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.closerange(3, 1 << 16)  # nothing of the app's survives: not even our own pipes
    mb = 1024 * 1024
    limits = {
        resource.RLIMIT_CPU: (lim["cpu_s"], lim["cpu_s"] + 1),
        resource.RLIMIT_AS: (lim["memory_mb"] * mb,) * 2,
        resource.RLIMIT_NPROC: (lim["nproc"],) * 2,
        resource.RLIMIT_FSIZE: (lim["fsize_mb"] * mb,) * 2,
        resource.RLIMIT_NOFILE: (64, 64),
        resource.RLIMIT_CORE: (0, 0),
    }
    for res, value in limits.items():
        resource.setrlimit(res, value)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    if os.getuid() == 0 or os.geteuid() == 0:
        os._exit(70)
    install_seccomp()
    os.environ.clear()
    os.environ.update({"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"})


def _run_user(job: dict[str, Any], group: tuple[int, int] | None) -> None:
    try:
        if group is not None:  # while still root: the snippet and all it forks share the ceiling
            os.write(group[0], b"0")
        _drop_privileges(job)
    except BaseException:
        os._exit(70)
    rc = _exec_snippet(job)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        pass
    os._exit(rc)


def _exec_snippet(job: dict[str, Any]) -> int:
    code = job["code"]
    box: dict[str, Any] = {}
    ns = {
        "__name__": "__main__",
        "inputs": job.get("inputs"),
        "set_result": lambda value: box.__setitem__("value", value),
    }
    rc = 0
    try:
        exec(compile(code, "<sandbox>", "exec"), ns)
    except SystemExit as exc:
        rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except MemoryError:
        rc = EXIT_MEMORY
        sys.stderr.write("MemoryError: the sandbox memory limit was reached\n")
    except BaseException as exc:
        rc = 1
        _print_traceback(exc, code)
    if "value" not in box and "result" in ns:
        box["value"] = ns["result"]
    if "value" in box:
        rc = _write_result(box["value"], rc)
    return rc


def _print_traceback(exc: BaseException, code: str) -> None:
    import linecache  # only on failure: the success path stays import-free
    import traceback

    linecache.cache["<sandbox>"] = (len(code), None, code.splitlines(True), "<sandbox>")
    tb = exc.__traceback__.tb_next if exc.__traceback__ else None  # hide the runner frame
    sys.stderr.write("".join(traceback.format_exception(type(exc), exc, tb)))


def _write_result(value: object, rc: int) -> int:
    try:
        data = json.dumps(value, default=repr)
        fd = os.open(RESULT_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(data)
    except MemoryError:
        return EXIT_MEMORY
    except BaseException as exc:
        sys.stderr.write(f"could not store result: {exc}\n")
        return rc or 1
    return rc


# ---------------------------------------------------------------- init (pid 1)
def _read_result(limit: int) -> tuple[object, str | None]:
    try:
        fd = os.open(RESULT_FILE, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"result unreadable: {exc.strerror}"
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None, f"result larger than {limit} bytes or not a file"
        try:
            return json.loads(fh.read(limit)), None
        except ValueError:
            return None, "result is not valid JSON"


def _classify(status: int, cpu: float, job: dict[str, Any], timed_out: bool) -> str:
    if timed_out:
        return "timeout"
    if os.WIFEXITED(status):
        code = os.WEXITSTATUS(status)
        return {0: "ok", EXIT_MEMORY: "memory_limit"}.get(code, "error")
    sig = os.WTERMSIG(status)
    if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu >= job["limits"]["cpu_s"] - 0.05):
        return "cpu_limit"
    return "killed"


def _kill_all() -> None:
    try:
        os.kill(-1, signal.SIGKILL)  # as pid 1: every other process in the namespace
    except ProcessLookupError:
        pass


def _open_cgroup(job: dict[str, Any]) -> tuple[int, int] | None:
    """Descriptors of the call's cgroup (`cgroup.procs`, `memory.events`), opened before the
    old root goes away; None when the caller made no cgroup (per-process rlimits only)."""
    if not job.get("cgroup"):
        return None
    procs = os.open(job["cgroup"] + "/cgroup.procs", os.O_WRONLY | os.O_CLOEXEC)
    return procs, os.open(job["cgroup"] + "/memory.events", os.O_RDONLY | os.O_CLOEXEC)


def _oom_kills(group: tuple[int, int] | None) -> int:
    if group is None:
        return 0
    os.lseek(group[1], 0, os.SEEK_SET)  # kernfs files are read from the start each time
    for line in os.read(group[1], 4096).decode().splitlines():
        key, _, value = line.partition(" ")
        if key == "oom_kill":
            return int(value)
    return 0


def _read_call() -> dict[str, Any] | None:
    """The call (code, inputs): the rest of stdin after the setup line (this buffer is the
    launcher's, copied by fork). None at an empty end: the sandbox was discarded unused."""
    raw = sys.stdin.buffer.read()
    return json.loads(raw) if raw.strip() else None


def _init(job: dict[str, Any], status_fd: int) -> None:
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    try:
        group = _open_cgroup(job)
        _build_root(job)
        libc.sethostname(b"sandbox", 7)
    except BaseException as exc:
        _report(status_fd, {"reason": "sandbox_unavailable", "detail": str(exc)})
        os._exit(70)
    # Ready ahead of the call (runner's spares): namespaces, root, cgroup are made; only now
    # does this sandbox learn its code, and the wall-clock limit starts with it.
    call = _read_call()
    if call is None:
        os._exit(0)
    job.update(code=call["code"], inputs=call.get("inputs"))
    child = os.fork()
    if child == 0:
        _run_user(job, group)
    os.closerange(0, 3)  # the caller's pipes then end with the snippet's processes
    timed_out = []

    def on_alarm(signum: int, frame: object) -> None:
        timed_out.append(True)
        _kill_all()

    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, job["limits"]["wall_s"])
    _, status, usage = os.wait4(child, 0)
    signal.setitimer(signal.ITIMER_REAL, 0)
    _kill_all()  # leftovers (daemonised children) die with the run, reaped before the report
    while True:
        try:
            os.wait()  # as pid 1, init is every orphan's parent
        except ChildProcessError:
            break
    cpu = usage.ru_utime + usage.ru_stime
    result, result_error = _read_result(job["limits"]["result_bytes"])
    oom_kills = _oom_kills(group)
    reason = _classify(status, cpu, job, bool(timed_out))
    _report(
        status_fd,
        {
            "reason": "memory_limit" if oom_kills and reason != "timeout" else reason,
            "oom_kills": oom_kills,
            "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "cpu_s": round(cpu, 4),
            "max_rss_kb": usage.ru_maxrss,
            "result": result,
            "result_error": result_error,
        },
    )
    os.close(status_fd)  # the call is over for the caller; tearing the namespaces down is not
    os._exit(0)


def main() -> None:
    serve_job(int(sys.argv[1]))


def serve_job(status_fd: int) -> None:
    """Runs one job from stdin (the body of each child `_zygote.py` forks; pipes on fds 0-2):
    its setup (one JSON line: uid, prefix, limits, cgroup), then the call (code, inputs) up
    to the end, read by init once the sandbox is built. Made ahead of its call, never reused."""
    job = json.loads(sys.stdin.buffer.readline())
    flags = CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS
    if libc.unshare(flags) != 0:
        err = os.strerror(ctypes.get_errno())
        _report(status_fd, {"reason": "sandbox_unavailable", "detail": f"unshare: {err}"})
        os._exit(70)
    pid = os.fork()
    if pid == 0:
        _init(job, status_fd)
    os.close(status_fd)
    os.closerange(0, 3)
    _, status = os.waitpid(pid, 0)
    os._exit(0 if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else 71)


if __name__ == "__main__":
    main()
