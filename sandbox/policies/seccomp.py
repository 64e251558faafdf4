"""The seccomp policy (kafel syntax, compiled by nsjail) every jailed program runs under.

Denied: debugging other processes, mounting and namespace games, kernel attack surface that no judged program needs
(bpf, userfaultfd, perf events, keyrings, io_uring), and anything that changes the host (clock, modules, reboot, swap).
Python, Java, Node, gcc and rustc all run unchanged under it (each language's self-test proves that at start-up).
"""

from __future__ import annotations

from typing import Final

__all__ = ["CLONE_NEW_FLAGS", "SECCOMP_POLICY"]

# Namespace-creating clone flags: NEWTIME, NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET.
CLONE_NEW_FLAGS: Final = 0x80 | 0x20000 | 0x2000000 | 0x4000000 | 0x8000000 | 0x10000000 | 0x20000000 | 0x40000000

# Forbidden calls kill the process (SIGSYS -> sandbox_violation). io_uring and clone3 answer ENOSYS instead:
# libuv (Node) probes io_uring and glibc tries clone3 first, and both fall back cleanly; clone3 takes its flags in
# memory that seccomp cannot inspect, so refusing it forces the inspectable clone() below.
SECCOMP_POLICY: Final = f"""
ERRNO(38) {{
  io_uring_setup, io_uring_enter, io_uring_register, clone3
}}
KILL_PROCESS {{
  ptrace, process_vm_readv, process_vm_writev, pidfd_getfd,
  mount, umount, pivot_root, chroot, fsopen, fsconfig, fsmount, fspick, move_mount, open_tree, mount_setattr,
  unshare, setns,
  clone(flags) {{ (flags & {CLONE_NEW_FLAGS:#x}) != 0 }},
  bpf, userfaultfd, perf_event_open, fanotify_init, lookup_dcookie,
  keyctl, add_key, request_key,
  kexec_load, kexec_file_load, reboot, init_module, finit_module, delete_module, create_module,
  settimeofday, clock_settime, clock_adjtime, adjtimex,
  swapon, swapoff, acct, quotactl, nfsservctl, syslog, vhangup, iopl, ioperm, uselib,
  open_by_handle_at, name_to_handle_at
}}
DEFAULT ALLOW
"""
