#!/usr/bin/env python3
"""The return values have one source, pam_module/RETURN-VALUES.md: the lists
under RETURN VALUES in pam_frontegg(8) are generated from its table
(man/return-values.py) and must be what the table makes now; the committed
roff must be what scdoc makes from the .scd; pam_frontegg.c points at the
table instead of keeping a copy. Reads the source tree only. TAP output."""
import os
import re
import shutil
import subprocess
import sys

SRC = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), "..", ".."))


def read(rel):
    with open(os.path.join(SRC, rel), encoding="utf-8") as f:
        return f.read()


def generated_region():
    """(ok, what to say) from the generator's own check."""
    run = subprocess.run([sys.executable, os.path.join(SRC, "man", "return-values.py"),
                          "--check", "--srcdir", SRC],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True)
    if run.returncode == 0:
        return True, "man/pam_frontegg.8.scd: RETURN VALUES lists are the table's"
    return False, run.stdout.strip() or "return-values.py exited %d" % run.returncode


def no_copy_in_code():
    code = read("pam_module/pam_frontegg.c")
    if "RETURN-VALUES.md" in code and not re.search(r"situation\s+preauth\s+authfail", code):
        return True, "pam_frontegg.c points at the table, keeps no copy"
    return False, "pam_frontegg.c keeps its own copy of the table"


def roff_is_scdocs():
    """(ok, what to say), or (None, why skipped). MAN_ROFF is the build's own
    command (man/local.mk), set only when configure found scdoc."""
    command = os.environ.get("MAN_ROFF", "")
    if not command:
        return None, ("scdoc not installed" if shutil.which("scdoc") is None
                      else "MAN_ROFF not set (run it from make check)")
    with open(os.path.join(SRC, "man", "pam_frontegg.8.scd"), "rb") as scd:
        run = subprocess.run(command, shell=True, stdin=scd, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    if run.returncode != 0:
        return False, "scdoc failed: %s" % run.stderr.decode(errors="replace").strip()
    with open(os.path.join(SRC, "man", "pam_frontegg.8"), "rb") as f:
        committed = f.read()
    if run.stdout == committed:
        return True, "man/pam_frontegg.8 is what scdoc makes from the .scd"
    a, b = committed.decode(errors="replace").split("\n"), \
        run.stdout.decode(errors="replace").split("\n")
    n = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
    return False, ("man/pam_frontegg.8:%d differs from scdoc's output (run make man-update)"
                   % (n + 1))


def main():
    checks = [generated_region, no_copy_in_code, roff_is_scdocs]
    print("1..%d" % len(checks))
    failed = 0
    for n, check in enumerate(checks, 1):
        ok, what = check()
        if ok is None:
            print("ok %d # SKIP %s" % (n, what))
        elif ok:
            print("ok %d - %s" % (n, what))
        else:
            failed += 1
            print("not ok %d - %s" % (n, what.replace("\n", " ")))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
