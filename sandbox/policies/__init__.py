"""Data the sandbox applies to every run: the jail's filesystem and its seccomp policy."""
