"""Who holds a lock on this machine, and whether that process is still alive.

A holder is named ``<machine> <pid> <start>``: the machine is the kernel's boot id and the pid namespace
(two containers sharing a state file have different namespaces, so neither judges the other's pids), the
start is the process's start time in clock ticks since boot (``/proc/<pid>/stat`` field 22), so a pid
recycled by a new process is not taken for the old holder. Where ``/proc`` is missing (not Linux), the
machine is unknown and nothing is judged dead: the lease's expiry alone frees the lock.
"""

from __future__ import annotations

import functools
import os


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return f.read().strip()
    except OSError:
        return None


def _stat(pid: int) -> tuple[str, str] | None:
    """(state, start time) of a process, None when there is no such process."""
    text = _read(f"/proc/{pid}/stat")
    if not text or ")" not in text:
        return None
    fields = text.rsplit(")", 1)[1].split()  # after "pid (command)": field 3 (state) is fields[0]
    if len(fields) < 20:
        return None
    return fields[0], fields[19]


@functools.cache
def machine() -> str:
    """This machine and pid namespace, or "" when it cannot be told."""
    boot = _read("/proc/sys/kernel/random/boot_id")
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""
    if not boot:
        return ""
    return f"{boot}/{namespace}".replace(" ", "")


def me() -> str:
    """This process as a holder (not cached: a forked child is another holder)."""
    pid = os.getpid()
    info = _stat(pid)
    return f"{machine() or '-'} {pid} {info[1] if info else '-'}"


def is_dead(holder: str) -> bool:
    """True only when ``holder`` was a process of this machine that has ended (or is a zombie)."""
    parts = holder.split(" ")
    if len(parts) != 3 or parts[0] in ("", "-") or parts[0] != machine() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False  # this process: its threads release their own locks
    info = _stat(pid)
    return info is None or info[0] in ("Z", "X") or (parts[2] != "-" and info[1] != parts[2])
