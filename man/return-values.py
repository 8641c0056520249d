#!/usr/bin/env python3
"""The per-entry-point lists of RETURN VALUES in pam_frontegg(8), made from
the table in pam_module/RETURN-VALUES.md, the one source of the return values.

  return-values.py --write   rewrite the generated region of the .scd
  return-values.py --check   exit 1, with a hint, when that region is stale
  return-values.py --print   print what the region should hold

The region lies between a line starting "; BEGIN GENERATED" and one starting
"; END GENERATED" (scdoc comments). Under each entry point (a column of the
table) it lists each code the column gives, with the situations (rows) that
give it. A cell is "-" (no such case), "same" (as the cell to its left),
words without a code (said in prose, listed nowhere), or outcomes separated
by ";", each a code with an optional "(qualifier)". A cell that names a code
any other way is an error: the man page must not drop what the table says.

Python 3 standard library only.
"""
import argparse
import os
import re
import sys
import textwrap

TABLE = "pam_module/RETURN-VALUES.md"
PAGE = "man/pam_frontegg.8.scd"
BEGIN = "; BEGIN GENERATED"
END = "; END GENERATED"
BEGIN_LINE = BEGIN + " from %s by man/return-values.py: make man-update" % TABLE

CODE = re.compile(r"PAM_[A-Z_]+")
OUTCOME = re.compile(r"(?P<code>PAM_[A-Z_]+)(?: \((?P<qual>.*)\))?")
# The order of the codes under an entry point: success, then refusals, then
# abstention and errors. A code not named here follows, in table order.
ORDER = ["PAM_SUCCESS", "PAM_AUTH_ERR", "PAM_PERM_DENIED", "PAM_IGNORE",
         "PAM_AUTHINFO_UNAVAIL", "PAM_INCOMPLETE", "PAM_BUF_ERR"]
# Columns: a tab (8) and "- " before the text, 80 in all.
WIDTH = 70


class TableError(Exception):
    pass


def split_top(text, sep):
    """text split at sep where it is not inside parentheses."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            start = i + len(sep)
    parts.append(text[start:])
    return [p.strip() for p in parts]


def cells(line):
    return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def outcomes(cell, where):
    """[(code, qualifier or None)] of one cell; [] for prose or "-"."""
    if cell == "-" or not CODE.search(cell):
        return []
    found = []
    for part in split_top(cell, ";"):
        m = OUTCOME.fullmatch(part)
        if m:
            found.append((m.group("code"), m.group("qual")))
        elif CODE.search(part):
            raise TableError("%s: %r names a code but is not \"CODE\" or \"CODE (qualifier)\""
                             % (where, part))
    return found


def read_table(text):
    """(entry names, [(situation, {entry: [(code, qualifier)]})])."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.startswith("|")]
    if len(lines) < 3:
        raise TableError("%s: no table" % TABLE)
    header = cells(lines[0][1])
    if header[0] != "situation" or len(header) < 2:
        raise TableError("%s:%d: the first column must be \"situation\"" % (TABLE, lines[0][0]))
    entries, rows = header[1:], []
    for n, line in lines[2:]:
        row = cells(line)
        if len(row) != len(header) or not all(row):
            raise TableError("%s:%d: %d cells, all filled, expected" % (TABLE, n, len(header)))
        by_entry, left = {}, None
        for entry, cell in zip(entries, row[1:]):
            if cell == "same":
                if left is None:
                    raise TableError("%s:%d: \"same\" in the first entry column" % (TABLE, n))
                by_entry[entry] = left
            else:
                by_entry[entry] = outcomes(cell, "%s:%d" % (TABLE, n))
            left = by_entry[entry]
        rows.append((row[0], by_entry))
    return entries, rows


def scd_text(md):
    """Markdown inline text as scdoc: `code` and PAM codes in bold, the rest literal."""
    out = []
    for i, piece in enumerate(re.split(r"`([^`]*)`", md)):
        if i % 2:
            out.append("*%s*" % escape(piece).replace(" ", "\0"))
            continue
        pos = 0
        for m in CODE.finditer(piece):
            out.append(escape(piece[pos:m.start()]))
            out.append("*%s*" % m.group(0))
            pos = m.end()
        out.append(escape(piece[pos:]))
    return "".join(out)


def escape(text):
    """scdoc takes * as bold and _ after a non-alphanumeric as underline."""
    text = text.replace("\\", "\\\\").replace("*", "\\*")
    return re.sub(r"(?<![A-Za-z0-9])_", r"\\_", text)


def sentence(situation, qual):
    text = scd_text(situation) + (": " + scd_text(qual) if qual else "")
    if text[0].islower():
        text = text[0].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def wrap(text, first, rest):
    """Lines of at most WIDTH columns after the indent; bold spans never broken."""
    lines = textwrap.wrap(text, WIDTH, break_long_words=False, break_on_hyphens=False)
    return [(first if i == 0 else rest) + line.replace("\0", " ") for i, line in enumerate(lines)]


def region(table_text):
    """The generated lines, markers included."""
    entries, rows = read_table(table_text)
    out = [BEGIN_LINE]
    for entry in entries:
        why = {}
        for situation, by_entry in rows:
            for code, qual in by_entry[entry]:
                why.setdefault(code, []).append(sentence(situation, qual))
        if not why:
            raise TableError("%s: no code for %s" % (TABLE, entry))
        codes = sorted(why, key=lambda c: (ORDER.index(c) if c in ORDER else len(ORDER)))
        out += ["", "## " + entry]
        for code in codes:
            out += ["", "*%s*" % code]
            if len(why[code]) == 1:
                out += wrap(why[code][0], "\t", "\t")
            else:
                for s in why[code]:
                    out += wrap(s, "\t- ", "\t  ")
    return out + ["", END]


def splice(page_text, generated):
    """The page with its region replaced."""
    lines = page_text.split("\n")
    begins = [i for i, line in enumerate(lines) if line.startswith(BEGIN)]
    ends = [i for i, line in enumerate(lines) if line.startswith(END)]
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        raise TableError("%s: one \"%s\" line, then one \"%s\" line, expected" % (PAGE, BEGIN, END))
    return "\n".join(lines[:begins[0]] + generated + lines[ends[0] + 1:])


def first_difference(old, new):
    """A one-line hint at where two texts first differ."""
    a, b = old.split("\n"), new.split("\n")
    for n in range(max(len(a), len(b))):
        x = a[n] if n < len(a) else "(end)"
        y = b[n] if n < len(b) else "(end)"
        if x != y:
            return "%s:%d: the page has %r, %s makes %r" % (PAGE, n + 1, x, TABLE, y)
    return "%s: differs" % PAGE


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--print", action="store_true")
    ap.add_argument("--srcdir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                     ".."))
    args = ap.parse_args()
    page = os.path.join(args.srcdir, PAGE)
    try:
        with open(os.path.join(args.srcdir, TABLE), encoding="utf-8") as f:
            generated = region(f.read())
        if args.print:
            print("\n".join(generated))
            return 0
        with open(page, encoding="utf-8") as f:
            old = f.read()
        new = splice(old, generated)
    except (OSError, TableError) as e:
        print("return-values.py: %s" % e, file=sys.stderr)
        return 2
    if new == old:
        return 0
    if args.check:
        print("%s (run make man-update)" % first_difference(old, new))
        return 1
    with open(page + ".tmp", "w", encoding="utf-8") as f:
        f.write(new)
    os.replace(page + ".tmp", page)
    return 0

if __name__ == "__main__":
    sys.exit(main())
