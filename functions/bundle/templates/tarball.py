#!/usr/bin/env python3
"""Validate a release tarball entry by entry, and unpack it only when every entry is safe.

Used by the AfterInstall hook; the rules are those of `tarmac release check` (functions/release/check.ts):
no absolute paths, no `..`, no hard links, no devices/FIFOs, no setuid/setgid/sticky bits, symlinks only
inside the tree and nothing through them, no duplicate or case/Unicode-colliding paths, bounded depth,
name length, entry count, uncompressed size and compression ratio, nothing after the end-of-archive marker,
and shaped like a release (bin/<name>, releases/<vsn>/).

  tarball.py check   FILE [limits]
  tarball.py extract FILE DEST [limits]   DEST must not exist; GNU tar unpacks without owners or special
                                          bits, then the tree on disk is compared with what was validated.
Exit 0 when safe; exit 1 printing `refused: <entry>: <reason>`.
"""
import argparse
import gzip
import os
import stat
import subprocess
import sys
import tarfile
import unicodedata

GRACE = 8 * 1024 * 1024
PAX_KEYS = {"path", "linkpath", "size", "mtime", "atime", "ctime", "uid", "gid", "uname", "gname", "comment"}
SPECIAL_BITS = stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX


class Refused(Exception):
    def __init__(self, entry, reason):
        super().__init__(f"{entry}: {reason}")


class Counting:
    """The decompressed stream, refusing past the size or ratio bound (gzip bombs)."""

    def __init__(self, path, limits):
        self.gz, self.limits, self.count = gzip.open(path, "rb"), limits, 0
        self.compressed = max(1, os.path.getsize(path))

    def read(self, size=-1):
        try:
            data = self.gz.read(size if size and size > 0 else 1 << 20)
        except (OSError, EOFError) as error:
            raise Refused("(archive)", f"not a valid gzip stream: {error}") from None
        self.count += len(data)
        if self.count > self.limits.max_bytes:
            raise Refused("(archive)", f"uncompressed size exceeds {self.limits.max_bytes} bytes")
        if self.count > GRACE and self.count > self.compressed * self.limits.max_ratio:
            raise Refused("(archive)", f"compression ratio exceeds {self.limits.max_ratio}:1 (gzip bomb?)")
        return data


def clean_path(name):
    if name.startswith("/"):
        raise Refused(name, "absolute path")
    segments = [s for s in name.split("/") if s != "."]
    while segments and segments[-1] == "":
        segments.pop()
    if "" in segments:
        raise Refused(name, "empty path segment")
    if ".." in segments:
        raise Refused(name, "'..' segment")
    if len(name.encode()) > 4096 or any(len(s.encode()) > 255 for s in segments):
        raise Refused(name, "name too long (255 bytes per segment, 4096 in all)")
    return "/".join(segments)


class Tree:
    def __init__(self, limits):
        self.limits, self.kinds, self.links, self.folded = limits, {}, {}, {}

    def add(self, member):
        path = clean_path(member.name)
        unknown = set(member.pax_headers) - PAX_KEYS
        if unknown:
            raise Refused(member.name, f"unsupported PAX keys {sorted(unknown)}")
        if member.islnk():
            raise Refused(path, f"hard link to {member.linkname} (hard links are refused)")
        if member.ischr() or member.isblk() or member.isfifo():
            raise Refused(path, "device or FIFO")
        if not (member.isreg() or member.isdir() or member.issym()):
            raise Refused(path, f"unsupported entry type {member.type!r}")
        if member.mode & SPECIAL_BITS:
            raise Refused(path, f"setuid/setgid/sticky mode {oct(member.mode)}")
        if path == "":
            if not member.isdir():
                raise Refused(member.name, "the archive root must be a directory")
            return
        segments = path.split("/")
        if len(segments) > self.limits.max_depth:
            raise Refused(path, f"depth {len(segments)} exceeds {self.limits.max_depth}")
        for i in range(1, len(segments)):
            parent = "/".join(segments[:i])
            kind = self.kinds.get(parent)
            if kind == "symlink":
                raise Refused(path, f"goes through the symlink {parent}")
            if kind == "file":
                raise Refused(path, f"goes through the file {parent}")
            if kind is None:
                self.remember(parent, "dir", path)
        kind = "dir" if member.isdir() else "symlink" if member.issym() else "file"
        if path in self.kinds:
            raise Refused(path, "duplicate path")
        self.remember(path, kind, path)
        if kind == "symlink":
            self.links[path] = member.linkname
        if len(self.kinds) > self.limits.max_entries:
            raise Refused(path, f"more than {self.limits.max_entries} entries")

    def remember(self, path, kind, entry):
        folded = unicodedata.normalize("NFC", path).casefold()
        other = self.folded.get(folded)
        if other is not None and other != path:
            raise Refused(entry, f"collides with {other} (case or Unicode normalization)")
        self.folded[folded], self.kinds[path] = path, kind

    def resolve(self, link):
        """Follow a symlink inside the archive's namespace; refuse when it leaves the tree."""
        if self.links[link].startswith("/"):
            raise Refused(link, f"symlink to absolute path {self.links[link]}")
        stack, todo, hops = link.split("/")[:-1], self.links[link].split("/")[::-1], 0
        while todo:
            segment = todo.pop()
            if segment in ("", "."):
                continue
            if segment == "..":
                if not stack:
                    raise Refused(link, f"symlink target {self.links[link]} leaves the tree")
                stack.pop()
                continue
            stack.append(segment)
            here = "/".join(stack)
            if here in self.links:
                hops += 1
                target = self.links[here]
                if hops > 40 or target.startswith("/"):
                    raise Refused(link, f"symlink chain through {here} leaves the tree or loops")
                stack.pop()
                todo.extend(target.split("/")[::-1])

    def finish(self, release_name):
        for link in self.links:
            self.resolve(link)
        names = [release_name] if release_name else [p[4:] for p, k in self.kinds.items()
                                                     if p.startswith("bin/") and p.count("/") == 1 and k == "file"]
        if not any(self.kinds.get(f"bin/{n}") == "file" for n in names):
            raise Refused(f"bin/{release_name or '<name>'}", "missing: not shaped like a release")
        if not any(k == "dir" and p.startswith("releases/") and p.count("/") == 1 for p, k in self.kinds.items()):
            raise Refused("releases/<vsn>/", "missing: not shaped like a release")


def end_is_clean(path, limits, offset):
    """Everything after the end-of-archive offset is zero padding, and the marker (two zero blocks) is there."""
    reader, seen = Counting(path, limits), 0
    while chunk := reader.read(1 << 20):
        start = max(0, offset - seen)
        if start < len(chunk) and chunk[start:].count(0) != len(chunk) - start:
            raise Refused("(archive)", f"data after the end-of-archive marker at byte {offset}")
        seen += len(chunk)
    if seen < offset + 1024:
        raise Refused("(archive)", "truncated: no end-of-archive marker")


def validate(path, limits, release_name):
    tree = Tree(limits)
    try:
        with tarfile.open(fileobj=Counting(path, limits), mode="r|") as archive:
            for member in archive:
                tree.add(member)
            offset = archive.offset
    except tarfile.TarError as error:
        raise Refused("(archive)", f"not a valid tar stream: {error}") from None
    end_is_clean(path, limits, offset)
    tree.finish(release_name)
    return tree


def verify_on_disk(dest, tree):
    """The unpacked tree must hold exactly the validated entries, with no special bits."""
    seen = {}
    for root, dirs, files in os.walk(dest):
        for name in dirs + files:
            full = os.path.join(root, name)
            info = os.lstat(full)
            kind = "dir" if stat.S_ISDIR(info.st_mode) else "symlink" if stat.S_ISLNK(info.st_mode) else (
                "file" if stat.S_ISREG(info.st_mode) else "other")
            rel = os.path.relpath(full, dest)
            if kind == "other" or (kind != "symlink" and info.st_mode & SPECIAL_BITS):
                raise Refused(rel, "unexpected file type or mode after unpacking")
            seen[rel] = kind
    if seen != tree.kinds:
        diff = sorted(set(seen.items()) ^ set(tree.kinds.items()))
        raise Refused(diff[0][0], "the unpacked tree differs from the validated listing")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["check", "extract"])
    parser.add_argument("file")
    parser.add_argument("dest", nargs="?")
    parser.add_argument("--release-name")
    parser.add_argument("--max-bytes", type=int, default=2 * 1024**3)
    parser.add_argument("--max-entries", type=int, default=100_000)
    parser.add_argument("--max-depth", type=int, default=32)
    parser.add_argument("--max-ratio", type=float, default=100)
    args = parser.parse_args()
    try:
        tree = validate(args.file, args, args.release_name)
        if args.command == "extract":
            os.mkdir(args.dest, 0o755)
            subprocess.run(["tar", "-xzf", args.file, "-C", args.dest, "--no-same-owner", "--no-same-permissions",
                            "--no-overwrite-dir", "--no-acls", "--no-xattrs", "--no-selinux"],
                           check=True, stdin=subprocess.DEVNULL)
            verify_on_disk(args.dest, tree)
    except Refused as refusal:
        print(f"refused: {refusal}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as error:
        print(f"refused: (archive): tar failed with status {error.returncode}", file=sys.stderr)
        return 1
    print(f"ok: {len(tree.kinds)} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
