"""The child's own confinement, applied after numpy is imported and before the submission.

Loaded by path from the child's private directory (it never imports gradcheck), so it uses
the standard library only. The grader decides what to apply (isolation.py) and sends it in
the first frame; ``apply()`` returns what actually took effect, and the grader reports that.

Layers, each skipped (and so reported) when the kernel or the libraries lack it:
- dropping to an unprivileged uid/gid (when started as root), or else every capability;
- no_new_privs;
- Landlock (Linux ≥ 5.13): files readable only under an allow-list, writable only in the
  scratch directory; TCP bind/connect denied (ABI ≥ 4); signals and abstract UNIX sockets
  limited to the child's own domain (ABI ≥ 6);
- seccomp, through libseccomp (ctypes): no process creation, ptrace, process_vm_*, pidfd_*,
  signals to other processes, new signal handlers (sealing.py), mknod, mounts, sockets, xattr writes, io_uring, namespaces,
  System V IPC and message queues.

Why ctypes and not a PyPI binding: the child's sys.path holds the standard library and numpy
only (so it cannot import gradcheck), the Python bindings on PyPI are either unmaintained
(pyseccomp, 2021) or pre-releases covering file rights only (landlock 1.0.0.dev5), and the
building blocks underneath — the Landlock syscalls and libseccomp — are the maintained parts.
"""

from __future__ import annotations

import ctypes
import os
import stat
import sys

# -- Landlock (include/uapi/linux/landlock.h) -------------------------------------------------
_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_BITS_BY_ABI = {1: 13, 2: 14, 3: 15, 4: 15, 5: 16}  # number of fs access bits each ABI knows
_FILE_ONLY = _EXECUTE | _WRITE_FILE | _READ_FILE | (1 << 14) | (1 << 15)  # rights a rule on a file may carry
_MAKE_CHAR, _MAKE_BLOCK = 1 << 6, 1 << 11
_NET_ALL = (1 << 0) | (1 << 1)  # bind and connect TCP
_SCOPE_ALL = (1 << 0) | (1 << 1)  # abstract UNIX sockets, signals
_PR_SET_NO_NEW_PRIVS, _PR_CAPBSET_DROP = 38, 24


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 when Landlock is absent or disabled."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        abi = _libc().syscall(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except (OSError, AttributeError):
        return 0
    return max(int(abi), 0)


def _landlock(abi: int, read: list, write: list) -> None:
    libc = _libc()
    fs_all = (1 << _FS_BITS_BY_ABI.get(abi, 16)) - 1
    attr = _RulesetAttr(fs_all, _NET_ALL if abi >= 4 else 0, _SCOPE_ALL if abi >= 6 else 0)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        reading = _EXECUTE | _READ_FILE | _READ_DIR
        writing = fs_all & ~(_MAKE_CHAR | _MAKE_BLOCK)
        for paths, rights in ((read, reading), (write, writing)):
            for path in paths:
                _add_rule(libc, ruleset, path, rights)
        if libc.syscall(_SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)


def _add_rule(libc, ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # not there: nothing to allow
    try:
        if not os.path.isdir(path):
            rights &= _FILE_ONLY
        rule = _PathBeneath(rights, fd)
        if (
            libc.syscall(_SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH), ctypes.byref(rule), ctypes.c_uint32(0))
            != 0
        ):
            raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
    finally:
        os.close(fd)


# -- seccomp through libseccomp (seccomp.h) ---------------------------------------------------
_ACT_ALLOW = 0x7FFF0000
_CMP_NE, _CMP_MASKED_EQ = 1, 7
_LOW32 = 0xFFFFFFFF  # the kernel reads these commands as 32-bit: compare what it reads
_CLONE_THREAD = 0x00010000
_EPERM, _ENOSYS = 1, 38

# Refused outright (EPERM). Names the running libseccomp does not know are skipped.
DENIED = (
    "fork", "vfork", "execve", "execveat", "ptrace", "process_vm_readv", "process_vm_writev",
    "pidfd_open", "pidfd_getfd", "pidfd_send_signal", "tkill", "mknod", "mknodat", "mount", "umount2",
    "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsmount", "fsconfig", "fspick",
    "mount_setattr", "socket", "socketpair", "setxattr", "lsetxattr", "fsetxattr", "removexattr",
    "lremovexattr", "fremovexattr", "setxattrat", "removexattrat", "unshare", "setns",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "bpf", "perf_event_open", "userfaultfd",
    "keyctl", "add_key", "request_key", "kexec_load", "kexec_file_load", "init_module", "finit_module",
    "delete_module", "open_by_handle_at", "name_to_handle_at", "setrlimit", "setuid", "setgid",
    "setreuid", "setregid", "setresuid", "setresgid", "setgroups", "setfsuid", "setfsgid", "capset",
    "reboot", "swapon", "swapoff", "acct", "quotactl", "ioperm", "iopl", "syslog", "kcmp",
    "process_madvise", "settimeofday", "clock_settime", "adjtimex", "clock_adjtime",
    "sethostname", "setdomainname",
    # System V IPC and POSIX message queues: the children of one fork server share an IPC
    # namespace (zygote.py), and these are the one shared store Landlock does not cover.
    "shmget", "shmat", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop",
    "semctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr",
    # Modes, times and watches: Landlock has no right covering them, and the children of one
    # fork server share a uid, so a child could chmod a sibling's scratch dir or watch it fill.
    # Nothing a submission needs: numpy's save/load, tempfile and open() never chmod (only
    # shutil.copy's copymode does; shutil.copyfile still works).
    "chmod", "fchmod", "fchmodat", "fchmodat2", "utime", "utimes", "utimensat", "futimesat",
    "inotify_init", "inotify_init1", "inotify_add_watch", "fanotify_init", "fanotify_mark",
)  # fmt: skip

# fcntl and ioctl commands that make the kernel signal another process (SIGIO/SIGURG to the
# owner of a file): below Landlock ABI 6 nothing else keeps that signal off a sibling.
_F_SETOWN, _F_SETSIG, _F_SETOWN_EX = 8, 10, 15
_F_NOTIFY = 1026  # dnotify: a directory watch, refused like inotify
_FIOSETOWN, _SIOCSPGRP = 0x8901, 0x8902
# Scheduling calls that may only name the caller itself (pid 0): nice, policy, affinity and
# I/O priority of a sibling or of the fork server would last for the rest of the batch.
_SELF_ONLY = {"setpriority": 1, "sched_setscheduler": 0, "sched_setparam": 0, "sched_setattr": 0,
              "sched_setaffinity": 0, "ioprio_set": 1}  # the argument holding the pid  # fmt: skip
_KIND = {"setpriority": 0, "ioprio_set": 1}  # PRIO_PROCESS, IOPRIO_WHO_PROCESS: not a group or a uid


class _ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("a", ctypes.c_uint64), ("b", ctypes.c_uint64)]


def load_libseccomp():
    """libseccomp, or None. Loaded before Landlock forbids reading it."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
    except OSError:
        return None
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint, ctypes.POINTER(_ArgCmp)]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    return lib


_PREPARED: list = []  # a filter made once in a fork server (prepare_seccomp); each child finishes its own copy


def prepare_seccomp(lib) -> None:
    """Make the filter's rules that name no process in a fork server, once: each forked child
    then adds the rules naming its own pid to its copy and loads it (~1.2 ms less per child)."""
    if lib is not None and not _PREPARED:
        _PREPARED.append(_common_rules(lib))


def _seccomp(lib) -> None:
    ctx = _PREPARED.pop() if _PREPARED else _common_rules(lib)  # a forked child's own copy of the memory
    try:
        me = os.getpid()
        for name in ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"):
            _rule(lib, ctx, name, _EPERM, (0, _CMP_NE, me, 0))  # only to itself
        rc = lib.seccomp_load(ctypes.c_void_p(ctx))  # sets no_new_privs itself
        if rc < 0:
            raise OSError(-rc, "seccomp_load failed")
    finally:
        lib.seccomp_release(ctypes.c_void_p(ctx))


def _rule(lib, ctx: int, name: str, errno: int, *cmps: tuple) -> None:
    nr = lib.seccomp_syscall_resolve_name(name.encode())
    if nr < 0:
        return  # unknown to this libseccomp (or this architecture)
    arr = (_ArgCmp * max(len(cmps), 1))(*[_ArgCmp(*c) for c in cmps])
    rc = lib.seccomp_rule_add_array(ctypes.c_void_p(ctx), 0x00050000 | errno, nr, len(cmps), arr)
    if rc < 0:
        raise OSError(-rc, f"seccomp_rule_add({name}) failed")


def _common_rules(lib) -> int:
    """A filter context with every rule but those naming the process itself."""
    ctx = lib.seccomp_init(_ACT_ALLOW)
    if not ctx:
        raise OSError("seccomp_init failed")
    try:
        for name in DENIED:
            _rule(lib, ctx, name, _EPERM)
        _rule(lib, ctx, "clone", _EPERM, (0, _CMP_MASKED_EQ, _CLONE_THREAD, 0))  # threads only (numpy, BLAS)
        _rule(lib, ctx, "clone3", _ENOSYS)  # glibc then creates threads with clone()
        _rule(lib, ctx, "prlimit64", _EPERM, (2, _CMP_NE, 0, 0))  # reading limits is fine, setting them is not
        for name in ("rt_sigaction", "sigaction", "signal"):  # a handler is called with the frame it interrupts,
            _rule(lib, ctx, name, _EPERM, (1, _CMP_NE, 0, 0))  # a way to the child's own (sealing.py); reading one is fine
        for name in ("fcntl", "fcntl64"):
            for cmd in (_F_SETOWN, _F_SETSIG, _F_SETOWN_EX, _F_NOTIFY):
                _rule(lib, ctx, name, _EPERM, (1, _CMP_MASKED_EQ, _LOW32, cmd))
        for cmd in (_FIOSETOWN, _SIOCSPGRP):
            _rule(lib, ctx, "ioctl", _EPERM, (1, _CMP_MASKED_EQ, _LOW32, cmd))
        for name, arg in _SELF_ONLY.items():
            _rule(lib, ctx, name, _EPERM, (arg, _CMP_NE, 0, 0))  # pid 0: the caller
            if name in _KIND:
                _rule(lib, ctx, name, _EPERM, (0, _CMP_NE, _KIND[name], 0))
    except OSError:
        lib.seccomp_release(ctypes.c_void_p(ctx))
        raise
    return ctx


# -- the view of uid-drop --------------------------------------------------------------------
def _enter_jail(top: str) -> bool:
    """chroot into ``top`` and go to the scratch dir's path inside it (the process's working
    folder is the scratch dir, which the grader made under ``top``). A folder open elsewhere
    would be a way back out (fchdir), so none may be open."""
    here = os.getcwd()
    if not here.startswith(top.rstrip(os.sep) + os.sep):
        raise OSError(f"the scratch dir {here} is not inside {top}")
    for name in os.listdir("/proc/self/fd"):
        try:
            if stat.S_ISDIR(os.fstat(int(name)).st_mode):
                os.close(int(name))
        except (OSError, ValueError):
            continue
    os.chroot(top)
    os.chdir(here[len(top.rstrip(os.sep)):])
    os.environ["HOME"] = os.environ["TMPDIR"] = os.getcwd()
    if "tempfile" in sys.modules:
        sys.modules["tempfile"].tempdir = None  # found again, inside
    return True


# -- identity ------------------------------------------------------------------------------
def _drop_identity(uid: int | None, gid: int | None) -> str:
    """'uid' when the process now runs as ``uid``; 'caps' when it stays root without any
    capability; '' when it was not root."""
    if os.name != "posix" or os.geteuid() != 0:
        return ""
    if uid is not None and gid is not None:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        return "uid"
    libc = _libc()
    for cap in range(64):
        libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)  # the bounding set: nothing regained by exec

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    data = (ctypes.c_uint32 * 6)()  # two zeroed __user_cap_data_struct (v3)
    if libc.capset(ctypes.byref(Header(0x20080522, 0)), data) != 0:
        raise OSError(ctypes.get_errno(), "capset failed")
    return "caps"


def apply(plan: dict) -> dict:
    """Apply ``plan`` (from the grader); return what took effect, with the reasons for what did not."""
    done: dict = {"uid": os.getuid() if hasattr(os, "getuid") else None, "identity": "", "landlock": 0, "seccomp": False, "errors": []}
    if not plan:
        return done
    errors = done["errors"]
    lib = load_libseccomp() if plan.get("seccomp") else None
    if plan.get("seccomp") and lib is None:
        errors.append("seccomp: libseccomp.so.2 not found")
    if plan.get("jail"):  # as root still: chroot needs it (uid-drop's view, the grader's jail.py)
        try:
            done["jail"] = _enter_jail(str(plan["jail"]))
        except OSError as exc:
            errors.append(f"jail: {exc}")
    try:
        done["identity"] = _drop_identity(plan.get("uid"), plan.get("gid"))
    except OSError as exc:
        errors.append(f"identity: {exc}")
    done["uid"] = os.getuid() if hasattr(os, "getuid") else None
    if sys.platform.startswith("linux"):
        _libc().prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    abi = landlock_abi() if plan.get("landlock") else 0
    if plan.get("landlock"):
        try:
            if not abi:
                raise OSError("the kernel has no Landlock")
            _landlock(abi, list(plan.get("read", [])), list(plan.get("write", [])))
            done["landlock"] = abi
            done["scoped"] = abi >= 6  # signals and abstract sockets kept to its own domain
        except OSError as exc:
            errors.append(f"landlock: {exc}")
    if lib is not None:
        try:
            _seccomp(lib)
            done["seccomp"] = True
        except OSError as exc:
            errors.append(f"seccomp: {exc}")
    if plan.get("hide"):
        _hide(tuple(plan["hide"]), tuple(plan.get("allow", ())))
    missing = [layer for layer in plan.get("require", ()) if not done.get(layer)]
    if missing:  # a fork server's child: these are what keep it from its siblings (zygote.py)
        raise Unconfined(f"{', '.join(missing)} could not be applied: {'; '.join(errors) or 'unknown'}")
    return done


class Unconfined(OSError):
    """A layer the plan requires did not take effect: the child must not run student code."""


def _hide(roots: tuple, allow: tuple = ()) -> None:
    """The last resort where the kernel cannot keep files away (macOS, Windows, no Landlock):
    an audit hook refusing to open anything under ``roots`` (the grader's package and specs)
    but what is under ``allow`` (numpy, which a venv keeps in a hidden site-packages and whose
    submodules load later: numpy.testing, numpy.random; a spec's helpers).
    Code that reaches open() without an audit event (ctypes, which the child's guard also
    refuses) is not stopped by it."""
    realpath, fsdecode, sep = os.path.realpath, os.fsdecode, os.sep

    def hook(event, args):
        if event == "open" and args and isinstance(args[0], (str, bytes)):
            try:
                path = realpath(fsdecode(args[0]))
            except Exception:  # noqa: BLE001 - an unreadable name opens nothing of ours
                return
            if any(path == r or path.startswith(r + sep) for r in roots) and not any(
                path == a or path.startswith(a + sep) for a in allow
            ):
                raise PermissionError("gradcheck: the grader's files are not readable from a submission")

    sys.addaudithook(hook)


def setup_path(here: str) -> None:
    """The child's import path: the standard library (python -I -S) plus the directories
    listed in ``paths.txt`` beside this file (a directory holding links to numpy only)."""
    try:
        with open(os.path.join(here, "paths.txt"), encoding="utf-8") as fh:
            extra = [line.rstrip("\n") for line in fh if line.strip()]
    except OSError:
        return
    for entry in extra:
        if entry not in sys.path:
            sys.path.append(entry)
