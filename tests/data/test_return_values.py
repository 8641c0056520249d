#!/usr/bin/env python3
"""The return values have one source, pam_module/RETURN-VALUES.md: every PAM
code its table gives an entry point is documented under that entry point in
pam_frontegg(8) (man/pam_frontegg.8.scd, RETURN VALUES), and nothing more;
pam_frontegg.c points at the table instead of keeping a copy. TAP output."""
import os
import re
import sys

SRC = os.environ.get("top_srcdir", os.path.join(os.path.dirname(__file__), "..", ".."))
ENTRIES = ["preauth", "authfail", "authsucc", "account"]
CODE = re.compile(r"PAM_[A-Z_]+")
# pam_get_user's own code is passed on: the man page says so in prose.
PASSED_ON = {"PAM_CONV_AGAIN", "PAM_INCOMPLETE"}


def read(rel):
    with open(os.path.join(SRC, rel), encoding="utf-8") as f:
        return f.read()


def table_codes():
    """{entry: set of codes} from the table rows of RETURN-VALUES.md."""
    codes = {e: set() for e in ENTRIES}
    rows = [l for l in read("pam_module/RETURN-VALUES.md").splitlines() if l.startswith("|")]
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    for row in rows[2:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        for name, cell in zip(header, cells):
            if name in codes:
                codes[name] |= set(CODE.findall(cell)) - PASSED_ON
    return codes


def man_codes():
    """{entry: set of codes} listed as *PAM_X* items under "## entry"."""
    text = read("man/pam_frontegg.8.scd")
    section = text[text.index("# RETURN VALUES"):text.index("\n# NOTES")]
    codes, current = {e: set() for e in ENTRIES}, None
    for line in section.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
        elif current in codes and re.fullmatch(r"\*PAM_[A-Z_]+\*", line.strip()):
            codes[current].add(line.strip().strip("*"))
    return codes


def main():
    table, man = table_codes(), man_codes()
    print("1..%d" % (len(ENTRIES) + 1))
    failed = 0
    for n, entry in enumerate(ENTRIES, 1):
        if table[entry] and table[entry] == man[entry]:
            print("ok %d - %s: %s" % (n, entry, " ".join(sorted(table[entry]))))
            continue
        failed += 1
        print("not ok %d - %s: table %s, man page %s"
              % (n, entry, sorted(table[entry]), sorted(man[entry])))
    code = read("pam_module/pam_frontegg.c")
    n = len(ENTRIES) + 1
    if "RETURN-VALUES.md" in code and not re.search(r"situation\s+preauth\s+authfail", code):
        print("ok %d - pam_frontegg.c points at the table, keeps no copy" % n)
    else:
        failed += 1
        print("not ok %d - pam_frontegg.c keeps its own copy of the table" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
