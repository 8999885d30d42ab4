#!/usr/bin/env python3
"""Write SSM parameters as credential files. Used by the BeforeInstall hook.

stdin: the JSON of `aws ssm get-parameters-by-path --with-decryption` (all pages merged by the CLI).
argv: CREDENTIALS_DIR PATH_PREFIX NAME...  — every NAME must exist as PATH_PREFIX + NAME.
Each file is written root 0600 to a temporary name and renamed, so a reader never sees half a secret.
Prints names only, never values.
"""
import json
import os
import sys
import tempfile


def main():
    target, prefix, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    if not prefix.endswith("/"):
        prefix += "/"
    source = os.environ.get("TARMAC_SECRETS_FROM") or f"SSM {prefix}"
    parameters = json.load(sys.stdin).get("Parameters", [])
    values = {p["Name"][len(prefix):]: p["Value"] for p in parameters if p["Name"].startswith(prefix)}
    missing = [name for name in names if name not in values]
    if missing:
        for name in missing:
            print(f"secret {name} is missing from {source} — tarmac secrets set <app>/<env> {name}", file=sys.stderr)
        return 1
    for name in names:
        fd, tmp = tempfile.mkstemp(dir=target, prefix=f".{name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(values[name])
        os.chmod(tmp, 0o600)
        os.replace(tmp, os.path.join(target, name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
