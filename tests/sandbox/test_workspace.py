"""Reading files back from a box never follows what the jail made: links, FIFOs, directories, huge files."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from sandbox.cgroups import ensure_v2_root
from sandbox.languages import Toolchain
from sandbox.workspace import collect_files, is_world_traversable, valid_name


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("main", True),
        ("Main.class", True),
        ("a b.txt", True),
        ("", False),
        (".", False),
        ("..", False),
        ("dir/file", False),
        ("/etc/passwd", False),
        ("nul\0byte", False),
        ("x" * 256, False),
    ],
)
def test_valid_name(name: str, ok: bool) -> None:
    assert valid_name(name) is ok


def test_collects_regular_files_matching_the_patterns(tmp_path: Path) -> None:
    (tmp_path / "main").write_bytes(b"\x7fELF")
    (tmp_path / "A.class").write_bytes(b"cafe")
    (tmp_path / "B.class").write_bytes(b"babe")
    (tmp_path / "notes.txt").write_bytes(b"ignored")
    assert collect_files(tmp_path, ["main", "*.class"], 1 << 20) == {
        "A.class": b"cafe",
        "B.class": b"babe",
        "main": b"\x7fELF",
    }
    assert collect_files(tmp_path, [], 1 << 20) == {}


def test_symlinks_fifos_and_directories_are_skipped(tmp_path: Path) -> None:
    secret = tmp_path.parent / "secret"
    secret.write_bytes(b"host secret")
    (tmp_path / "main").symlink_to(secret)
    os.mkfifo(tmp_path / "fifo.class")  # opening a FIFO for reading would block without O_NONBLOCK
    (tmp_path / "dir.class").mkdir()
    (tmp_path / "ok.class").write_bytes(b"ok")
    assert collect_files(tmp_path, ["main", "*.class"], 1 << 20) == {"ok.class": b"ok"}


def test_the_budget_skips_whole_files(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"x" * 600)
    (tmp_path / "b").write_bytes(b"y" * 600)
    (tmp_path / "c").write_bytes(b"z" * 100)
    got = collect_files(tmp_path, ["*"], 1000)
    assert got == {"a": b"x" * 600, "c": b"z" * 100}  # b would exceed the budget; never a truncated file


def test_a_box_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "main").write_bytes(b"x")
    (tmp_path / "box").symlink_to(real)
    with pytest.raises(OSError, match=r"symbolic links|Not a directory"):
        collect_files(tmp_path / "box", ["main"], 100)


def test_world_traversable() -> None:
    base = Path(tempfile.mkdtemp(prefix="verdict-traverse-", dir="/tmp"))  # pytest's tmp_path is itself 0700
    try:
        base.chmod(0o755)
        closed = base / "closed"
        inner = closed / "inner"
        inner.mkdir(parents=True)
        closed.chmod(0o700)
        assert not is_world_traversable(inner)
        closed.chmod(0o711)
        assert is_world_traversable(inner)
    finally:
        shutil.rmtree(base)


def test_toolchain_takes_the_first_candidate_with_the_marker(tmp_path: Path) -> None:
    for name in ("a-1", "b-1", "b-2"):
        (tmp_path / name / "bin").mkdir(parents=True)
    (tmp_path / "b-2" / "bin" / "tool").write_text("")
    (tmp_path / "b-1" / "bin" / "tool").write_text("")
    chain = Toolchain(target="/opt/t", candidates=(f"{tmp_path}/a-*", f"{tmp_path}/b-*"), marker="bin/tool")
    assert chain.locate() == tmp_path / "b-1"
    assert Toolchain(target="/opt/t", candidates=(f"{tmp_path}/none-*",), marker="bin/tool").locate() is None


def test_v2_subtree_delegates_memory_and_pids_at_every_level(tmp_path: Path) -> None:
    """On a fake cgroup v2 tree: every level from the mount down to the slot gets +memory +pids."""
    mount = tmp_path / "cgroup"
    slot = mount / "judge" / "verdict" / "slot0"
    for level in (mount, mount / "judge", mount / "judge" / "verdict", slot):
        level.mkdir(parents=True, exist_ok=True)
        (level / "cgroup.subtree_control").write_text("")
    ensure_v2_root(mount, slot)
    for level in (mount, mount / "judge", mount / "judge" / "verdict", slot):
        assert (level / "cgroup.subtree_control").read_text() == "+memory +pids"
