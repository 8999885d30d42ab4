#!/usr/bin/env python3
"""Validate a release tarball entry by entry, and unpack only entries found safe — in one pass over the file.

Used by the AfterInstall hook. It holds on its own (it does not trust the ingest checker) and applies the same
rule set as `tarmac release check` (functions/release/*); test/unit/release/cases.ts runs one corpus of hostile
archives against both. The tar headers are read here byte by byte, not with Python's tarfile, so that every
record GNU tar could read differently is refused instead of interpreted:
  - framing: ustar/GNU headers with valid checksums; PAX ('x', 'g') and GNU long name/link ('L', 'K') records,
    at most one of each per entry, never a GNU record and a PAX record for the same field, a PAX path/linkpath
    that extends the ustar field, only known PAX keys (no hdrcharset), no body on non-file entries, nothing
    after the end-of-archive marker and no lone zero block;
  - names and link targets: valid UTF-8, no NUL or other control character, no backslash, not absolute, no
    `..`, bounded length; no file entry whose name ends in '/'; nothing at the root named `.tarmac*` (tarmac's
    own files, e.g. the .tarmac-sha256 marker);
  - entries: files, directories and symlinks only (no hard links, devices, FIFOs, GNU sparse files), no
    setuid/setgid/sticky bits, no duplicates or case/Unicode collisions (NFC, then upper, then lower case:
    ß and ss collide), bounded depth, count, uncompressed size and compression ratio; symlinks with a target,
    inside the tree, and nothing through them; shaped like a release (bin/<name>, releases/<vsn>/).
The file is read once, from one open descriptor: hashed (--sha256: it must be the release ingest accepted),
inflated once, and each entry is passed to GNU tar (reading a pipe, into the fresh DEST) only after its header
passed every check against the entries before it — nothing through a symlink, no duplicate or colliding
name — so tar never writes anything a check refused. What can only be judged on the whole archive (links
resolving inside the tree, the release shape, trailing data, the sha256) is judged at the end, and DEST is
removed again when it fails. After GNU tar unpacked the tree, it is compared with what was validated, link
targets included, and every symlink must resolve inside the release on disk.

  tarball.py check   FILE [limits] [--sha256 HEX]
  tarball.py extract FILE DEST [limits] [--sha256 HEX]   DEST must not exist; GNU tar unpacks without owners
                                                          or special bits; refused: DEST is gone again.
Exit 0 when safe; exit 1 printing `refused: <entry>: <reason>` (never a traceback).
"""
import argparse
import gzip
import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import unicodedata

BLOCK = 512
GRACE = 8 * 1024 * 1024
PAX_KEYS = {"path", "linkpath", "size", "mtime", "atime", "ctime", "uid", "gid", "uname", "gname", "comment"}
GLOBAL_PAX_KEYS = {"mtime", "atime", "ctime", "comment"}
SPECIAL_BITS = stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX
FILE_TYPES, META_TYPES = ("0", "\0", "7"), ("x", "g", "L", "K")
TYPE_NAMES = {"1": "hard link", "3": "character device", "4": "block device", "6": "FIFO", "S": "GNU sparse file"}
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class Refused(Exception):
    def __init__(self, entry, reason):
        super().__init__(f"{shown(entry)}: {reason}")


def shown(name):
    """A name as refusals print it: control characters as \\xHH, so a refusal stays one line."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", name)


class Hashing:
    """The compressed file as read (once, from one open descriptor), hashed on the way."""

    def __init__(self, path):
        self.file, self.hash = open(path, "rb"), hashlib.sha256()

    def read(self, size=-1):
        data = self.file.read(size)
        self.hash.update(data)
        return data

    def hexdigest(self):
        while chunk := self.read(1 << 20):  # whatever follows the gzip stream counts too
            pass
        return self.hash.hexdigest()


class Counting:
    """The decompressed stream, refusing past the size or ratio bound (gzip bombs). With a sink, the bytes of
    every entry go there once the entry is accepted (`commit`), and its body as it is read."""

    def __init__(self, path, limits, sink=None):
        self.raw = Hashing(path)
        self.gz, self.limits, self.count = gzip.GzipFile(fileobj=self.raw, mode="rb"), limits, 0
        self.compressed = max(1, os.path.getsize(path))
        self.sink, self.pending = sink, []

    def read(self, size):
        try:
            data = self.gz.read(size)
        except (OSError, EOFError, ValueError) as error:
            raise Refused("(archive)", f"not a valid gzip stream: {error}") from None
        self.count += len(data)
        if self.count > self.limits.max_bytes:
            raise Refused("(archive)", f"uncompressed size exceeds {self.limits.max_bytes} bytes")
        if self.count > GRACE and self.count > self.compressed * self.limits.max_ratio:
            raise Refused("(archive)", f"compression ratio exceeds {self.limits.max_ratio}:1 (gzip bomb?)")
        return data

    def exactly(self, size):
        data = self.read(size)
        while 0 < len(data) < size:
            more = self.read(size - len(data))
            if not more:
                break
            data += more
        return data

    def block(self):
        """One header block, held back until its entry is accepted."""
        data = self.exactly(BLOCK)
        if self.sink is not None:
            self.pending.append(data)
        return data

    def commit(self):
        """The held-back blocks belong to an accepted entry (or the end marker): pass them on."""
        if self.sink is not None and self.pending:
            self.sink.write(b"".join(self.pending))
        self.pending = []

    def body(self, size, keep):
        """An entry's body rounded up to whole blocks; returned when `keep`, else passed on as it is read."""
        left, kept = (size + BLOCK - 1) // BLOCK * BLOCK, []
        while left:
            data = self.read(min(left, 1 << 20))
            if not data:
                raise Refused("(archive)", "truncated inside an entry's data")
            left -= len(data)
            if keep:
                kept.append(data)
                if self.sink is not None:
                    self.pending.append(data)
            elif self.sink is not None:
                self.sink.write(data)
        return b"".join(kept)[:size]


def text(raw, entry, what):
    """Strict UTF-8, no control character, no backslash: names no release ever has are refused."""
    try:
        value = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(entry or raw.decode("utf-8", "replace"), f"{what} is not valid UTF-8") from None
    found = CONTROL.search(value)
    if found:
        raise Refused(entry or value, f"control character \\x{ord(found.group()):02x} in the {what}")
    if "\\" in value:
        raise Refused(entry or value, f"backslash in the {what}")
    return value


def cstring(field):
    end = field.find(b"\0")
    return field if end == -1 else field[:end]


def number(field):
    if field[0] & 0x80:  # GNU base-256: only positive values are plausible in a release
        if field[0] != 0x80:
            raise Refused("(archive)", "negative or huge base-256 number in a header")
        return int.from_bytes(field[1:], "big")
    digits = cstring(field).strip(b" ")
    if digits and not re.fullmatch(rb"[0-7]+", digits):
        raise Refused("(archive)", f"header number {digits!r} is not octal")
    return int(digits, 8) if digits else 0


def parse_pax(data, is_global):
    records, at = {}, 0
    while at < len(data):
        space = data.find(b" ", at)
        length = int(data[at:space]) if space > at and data[at:space].isdigit() else 0
        if length <= 0 or at + length > len(data) or data[at + length - 1:at + length] != b"\n":
            raise Refused("(archive)", "malformed PAX header record")
        key, eq, value = data[space + 1:at + length - 1].partition(b"=")
        key = key.decode("utf-8", "replace")
        if not eq or key not in (GLOBAL_PAX_KEYS if is_global else PAX_KEYS):
            kind = "global PAX header sets" if is_global and key in PAX_KEYS else "unsupported PAX key"
            raise Refused("(archive)", f'{kind} "{shown(key)}"')
        if key in records:
            raise Refused("(archive)", f'PAX key "{key}" given twice for one entry')
        records[key] = value
        at += length
    return records


class Member:
    def __init__(self, name, type, size, mode, linkname):
        self.name, self.type, self.size, self.mode, self.linkname = name, type, size, mode, linkname


class Reader:
    """Tar headers, one real entry at a time, with PAX / GNU long-name records applied (or refused)."""

    def __init__(self, stream):
        self.stream, self.count = stream, 0

    def members(self):
        meta, zeros = {}, 0
        while True:
            block = self.stream.block()
            if len(block) < BLOCK:
                raise Refused("(archive)", "truncated: the end-of-archive marker (two zero blocks) is missing")
            if block.count(0) == BLOCK:
                zeros += 1
                if zeros == 2:
                    return self.rest_is_zero()
                continue
            if zeros:
                raise Refused("(archive)", "a lone zero block before more entries (tar readers disagree there)")
            member = self.header(block, meta)
            if member is not None:
                meta = {}
                self.count += 1
                yield member  # the caller refuses it (an exception) or accepts it: then it is passed on
                self.stream.commit()
                self.stream.body(member.size, keep=False)


    def header(self, b, meta):
        if sum(b[:148]) + 8 * 32 + sum(b[156:]) != number(b[148:156]):
            raise Refused("(archive)", f"header checksum failure at entry {self.count + 1}")
        magic, kind, size = b[257:265], chr(b[156]) if b[156] else "\0", number(b[124:136])
        if magic not in (b"ustar\x0000", b"ustar  \x00"):
            raise Refused("(archive)", f"unknown tar header format (magic {magic!r}) at entry {self.count + 1}")
        prefix = cstring(b[345:500]) if magic == b"ustar\x0000" else b""
        raw_name = prefix + b"/" + cstring(b[0:100]) if prefix else cstring(b[0:100])
        if kind in META_TYPES:
            if size > 1024 * 1024:
                raise Refused("(archive)", "oversized PAX / long-name header")
            if kind in meta:
                raise Refused("(archive)", f"two '{kind}' records before one entry (tar readers disagree there)")
            data = self.stream.body(size, keep=True)
            if kind == "g":
                parse_pax(data, True)
            else:
                meta[kind] = parse_pax(data, False) if kind == "x" else data
            return None
        pax = meta.get("x", {})
        ustar_name = text(raw_name, None, "name")
        name = self.field(pax.get("path"), meta.get("L"), ustar_name, "name")
        ustar_link = text(cstring(b[157:257]), name, "link target")
        linkname = self.field(pax.get("linkpath"), meta.get("K"), ustar_link, "link target", name)
        if "size" in pax and pax["size"] != str(size).encode():
            raise Refused(name, f"PAX size {pax['size'].decode('utf-8', 'replace')} disagrees with the ustar header size {size}")
        if size > 0 and kind not in FILE_TYPES:
            raise Refused(name, f"a type {shown(kind)} entry with a body of {size} bytes")
        if kind in FILE_TYPES and name.endswith("/"):
            raise Refused(name, "a file entry whose name ends in '/' (tar readers disagree whether it is a directory)")
        if kind == "S":
            raise Refused(name, "GNU sparse file entry")
        if kind == "2" and linkname == "":
            raise Refused(name, "symlink with an empty target")
        return Member(name, kind, size, number(b[100:108]), linkname)

    @staticmethod
    def field(pax, gnu, ustar, what, entry=None):
        """The one name (or link target) of an entry; GNU and PAX records must not both give it."""
        if pax is not None and gnu is not None:
            raise Refused(entry or ustar, f"conflicting GNU and PAX records for the {what}")
        if gnu is not None:
            if gnu.rstrip(b"\0").find(b"\0") != -1:
                raise Refused(entry or ustar, f"NUL inside the GNU long {what} record")
            value = text(cstring(gnu), entry, what)
        elif pax is not None:
            value = text(pax, entry, what)
        else:
            return ustar
        if not value.startswith(ustar):
            raise Refused(entry or value, f'PAX/long {what} disagrees with the ustar header field "{ustar}"')
        return value

    def rest_is_zero(self):
        while chunk := self.stream.read(1 << 20):
            if chunk.count(0) != len(chunk):
                raise Refused("(archive)", "data after the end-of-archive marker")
        self.stream.commit()  # the end-of-archive marker


def fold(path):
    """The key two names collide on (case-insensitive or normalizing file systems): NFC, upper, lower."""
    return unicodedata.normalize("NFC", path).upper().lower()


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
    if segments and fold(segments[0]).startswith(".tarmac"):
        raise Refused(name, "collides with tarmac's own files (.tarmac* at the release root)")
    return "/".join(segments)


class Tree:
    def __init__(self, limits):
        self.limits, self.kinds, self.links, self.folded = limits, {}, {}, {}

    def add(self, member):
        path = clean_path(member.name)
        if member.type in TYPE_NAMES:
            what = TYPE_NAMES[member.type]
            detail = f" to {shown(member.linkname)} (hard links are refused)" if member.type == "1" else " entry"
            raise Refused(path, what + detail)
        if member.type not in FILE_TYPES + ("5", "2"):
            raise Refused(path, f"unsupported entry type {shown(member.type)!r}")
        if member.mode & SPECIAL_BITS:
            raise Refused(path, f"setuid/setgid/sticky mode {oct(member.mode)}")
        kind = "dir" if member.type == "5" else "symlink" if member.type == "2" else "file"
        if path == "":
            if kind != "dir":
                raise Refused(member.name, "the archive root must be a directory")
            return
        if kind == "symlink" and member.linkname == "":
            raise Refused(path, "symlink with an empty target")
        segments = path.split("/")
        if len(segments) > self.limits.max_depth:
            raise Refused(path, f"depth {len(segments)} exceeds {self.limits.max_depth}")
        for i in range(1, len(segments)):
            parent = "/".join(segments[:i])
            parent_kind = self.kinds.get(parent)
            if parent_kind == "symlink":
                raise Refused(path, f"goes through the symlink {parent}")
            if parent_kind == "file":
                raise Refused(path, f"goes through the file {parent}")
            if parent_kind is None:
                self.remember(parent, "dir", path)
        if path in self.kinds:
            raise Refused(path, "duplicate path")
        self.remember(path, kind, path)
        if kind == "symlink":
            self.links[path] = member.linkname
        if len(self.kinds) > self.limits.max_entries:
            raise Refused(path, f"more than {self.limits.max_entries} entries")

    def remember(self, path, kind, entry):
        other = self.folded.get(fold(path))
        if other is not None and other != path:
            raise Refused(entry, f"collides with {other} (case or Unicode normalization)")
        self.folded[fold(path)], self.kinds[path] = path, kind

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


def validate(path, limits, release_name, sink=None, sha256=None):
    """Every entry checked in one pass over the file; with a sink, each accepted entry is passed on."""
    tree, stream = Tree(limits), Counting(path, limits, sink)
    for member in Reader(stream).members():
        tree.add(member)
    tree.finish(release_name)
    actual = stream.raw.hexdigest()
    if sha256 is not None and actual != sha256:
        raise Refused("(archive)", f"sha256 is {actual}, expected {sha256} (not the release that was accepted)")
    return tree


def extract(path, dest, limits, release_name, sha256):
    """Validate and unpack in the same single pass: GNU tar reads the accepted entries from a pipe, into a
    fresh DEST; whatever is refused, tar is stopped and DEST removed again (nothing under it was ever used)."""
    os.mkdir(dest, 0o755)
    # tar's own complaints are shown only when tar failed by itself, not when it was stopped on a refusal.
    errors = tempfile.TemporaryFile()
    tar = subprocess.Popen(["tar", "-xf", "-", "-C", dest, "--no-same-owner", "--no-same-permissions",
                            "--no-overwrite-dir", "--no-acls", "--no-xattrs", "--no-selinux"],
                           stdin=subprocess.PIPE, stderr=errors)
    try:
        tree = validate(path, limits, release_name, tar.stdin, sha256)
        tar.stdin.close()
        if tar.wait() != 0:
            errors.seek(0)
            sys.stderr.write(errors.read().decode("utf-8", "replace"))
            raise subprocess.CalledProcessError(tar.returncode, "tar")
        verify_on_disk(dest, tree)
        return tree
    except BaseException as error:
        tar.kill()
        tar.wait()
        if isinstance(error, BrokenPipeError):  # tar stopped reading by itself: say why
            errors.seek(0)
            sys.stderr.write(errors.read().decode("utf-8", "replace"))
        try:
            tar.stdin.close()
        except BrokenPipeError:
            pass
        shutil.rmtree(dest, ignore_errors=True)
        raise


def verify_on_disk(dest, tree):
    """The unpacked tree holds exactly the validated entries and link targets, and every link stays inside."""
    seen, root = {}, os.path.realpath(dest)
    for top, dirs, files in os.walk(dest):
        for name in dirs + files:
            full = os.path.join(top, name)
            info = os.lstat(full)
            kind = "dir" if stat.S_ISDIR(info.st_mode) else "symlink" if stat.S_ISLNK(info.st_mode) else (
                "file" if stat.S_ISREG(info.st_mode) else "other")
            rel = os.path.relpath(full, dest)
            if kind == "other" or (kind != "symlink" and info.st_mode & SPECIAL_BITS):
                raise Refused(rel, "unexpected file type or mode after unpacking")
            if kind == "symlink":
                if os.readlink(full) != tree.links.get(rel):
                    raise Refused(rel, f"unpacked link target {os.readlink(full)} is not the validated one")
                resolved = os.path.realpath(full)
                if os.path.commonpath([root, resolved]) != root:
                    raise Refused(rel, f"symlink resolves outside the release, to {resolved}")
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
    parser.add_argument("--sha256", help="refuse unless the file's sha256 is this (the release that was accepted)")
    args = parser.parse_args()
    try:
        if args.command == "extract":
            tree = extract(args.file, args.dest, args, args.release_name, args.sha256)
        else:
            tree = validate(args.file, args, args.release_name, sha256=args.sha256)
    except BrokenPipeError:  # tar stopped reading: it failed, and says why on stderr
        print("refused: (archive): tar stopped reading the archive", file=sys.stderr)
        return 1
    except Refused as refusal:
        print(f"refused: {refusal}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as error:
        print(f"refused: (archive): tar failed with status {error.returncode}", file=sys.stderr)
        return 1
    except Exception as error:  # a reader bug must still refuse, in the one format AfterInstall prints
        print(f"refused: (archive): cannot validate: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(f"ok: {len(tree.kinds)} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
