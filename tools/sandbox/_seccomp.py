"""The sandbox's seccomp-BPF filter, loaded by the user process after no_new_privs.

Part of the launcher (``_launcher.py`` imports it at start-up, before any namespace or
mount): standard library only, no ``typing`` import (start-up time counts).
"""

from __future__ import annotations

import ctypes
import os

PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
# seccomp: system calls the snippet gets EPERM for (x86_64 numbers). None is needed to run
# Python code; each is kernel attack surface or a way around the other walls: tracing and
# reading other processes, mounts and namespaces, kernel keys, eBPF, perf, io_uring,
# userfaultfd, modules, kexec, clocks, swap, reboot, handles to host files.
DENIED_SYSCALLS = {
    "ptrace": 101,
    "syslog": 103,
    "uselib": 134,
    "personality": 135,
    "vhangup": 153,
    "pivot_root": 155,
    "adjtimex": 159,
    "chroot": 161,
    "acct": 163,
    "settimeofday": 164,
    "mount": 165,
    "umount2": 166,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "sethostname": 170,
    "setdomainname": 171,
    "iopl": 172,
    "ioperm": 173,
    "create_module": 174,
    "init_module": 175,
    "delete_module": 176,
    "quotactl": 179,
    "nfsservctl": 180,
    "lookup_dcookie": 212,
    "clock_settime": 227,
    "kexec_load": 246,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "migrate_pages": 256,
    "unshare": 272,
    "move_pages": 279,
    "perf_event_open": 298,
    "name_to_handle_at": 303,
    "open_by_handle_at": 304,
    "clock_adjtime": 305,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "kcmp": 312,
    "finit_module": 313,
    "kexec_file_load": 320,
    "bpf": 321,
    "userfaultfd": 323,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "pidfd_getfd": 438,
    "process_madvise": 440,
    "mount_setattr": 442,
}
SYS_CLONE, SYS_CLONE3 = 56, 435  # clone: refused with namespace flags; clone3: ENOSYS
# (libc then falls back to clone)
CLONE_NAMESPACES = 0x7E020000  # NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
AUDIT_ARCH_X86_64 = 0xC000003E
EPERM, ENOSYS = 1, 38

libc = ctypes.CDLL(None, use_errno=True)


def seccomp_program() -> list[tuple[int, int, int, int]]:
    """The classic-BPF filter as (code, jt, jf, k): a foreign architecture or the x32 ABI is
    killed or refused, DENIED_SYSCALLS get EPERM, clone with a namespace flag EPERM, clone3
    ENOSYS; everything else is allowed."""
    ld_abs, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    allow, kill, errno_ = 0x7FFF0000, 0x80000000, 0x00050000
    denied = sorted(DENIED_SYSCALLS.values())
    # layout: 0 ld arch, 1 jeq arch, 2 ld nr, 3 jge x32, 4 clone, 5 clone3, denied..., allow,
    # clone check (ld arg0, jset, allow), eperm, enosys, kill
    at_clone = 6 + len(denied) + 1  # after the denied checks and the allow
    at_eperm = at_clone + 3
    at_enosys, at_kill = at_eperm + 1, at_eperm + 2

    def to(target: int, here: int) -> int:
        return target - here - 1

    prog = [
        (ld_abs, 0, 0, 4),
        (jeq, 0, to(at_kill, 1), AUDIT_ARCH_X86_64),
        (ld_abs, 0, 0, 0),
        (jge, to(at_eperm, 3), 0, 0x40000000),
        (jeq, to(at_clone, 4), 0, SYS_CLONE),
        (jeq, to(at_enosys, 5), 0, SYS_CLONE3),
    ]
    prog += [(jeq, to(at_eperm, 6 + i), 0, nr) for i, nr in enumerate(denied)]
    prog += [
        (ret, 0, 0, allow),
        (ld_abs, 0, 0, 16),  # clone's flags: the low 32 bits of args[0]
        (jset, to(at_eperm, at_clone + 1), 0, CLONE_NAMESPACES),
        (ret, 0, 0, allow),
        (ret, 0, 0, errno_ | EPERM),
        (ret, 0, 0, errno_ | ENOSYS),
        (ret, 0, 0, kill),
    ]
    return prog


def install_seccomp() -> None:
    """Load the filter (needs no_new_privs, not root); it holds for every descendant."""
    prog = seccomp_program()

    class SockFilter(ctypes.Structure):
        _fields_ = [
            ("code", ctypes.c_ushort),
            ("jt", ctypes.c_ubyte),
            ("jf", ctypes.c_ubyte),
            ("k", ctypes.c_uint),
        ]

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]

    filters = (SockFilter * len(prog))(*[SockFilter(*ins) for ins in prog])
    fprog = SockFprog(len(prog), filters)
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"seccomp: {os.strerror(err)}")
