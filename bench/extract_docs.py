#!/usr/bin/env python3
"""Extracts the text of Debian's Japanese HTML documentation to JSONL.

    extract_docs.py libreoffice DIR      LibreOffice help (libreoffice-help-ja):
                                         DIR=/usr/share/libreoffice/help/ja, one
                                         document per page (.html made from .xhp)
    extract_docs.py debian-reference DIR Debian Reference (debian-reference-ja):
                                         DIR=/usr/share/debian-reference, one
                                         document per section (h2/h3) of *.ja.html
    extract_docs.py gimp DIR             GIMP help (gimp-help-ja):
                                         DIR=/usr/share/gimp/2.0/help/ja, one
                                         document per page

Writes one JSON object per line to stdout: {"id", "title", "body", "source"}.
Deterministic: files in sorted path order, no timestamps. Standard library
only. The text keeps one line per block element (paragraph, heading, list
item, table cell row); navigation, scripts, hidden alternatives (LibreOffice's
macOS variants) and page furniture are dropped.
"""
import html.parser
import json
import os
import re
import sys

BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
         "pre", "table", "dt", "dd", "ul", "ol", "dl", "section", "blockquote",
         "title", "td", "th", "hr", "caption", "figure"}
VOID = {"br", "img", "hr", "meta", "link", "input", "area", "base", "col",
        "embed", "param", "source", "track", "wbr"}
# Elements whose content is never text of the page.
SKIP_TAGS = {"script", "style", "noscript", "head", "header", "footer", "aside",
             "nav", "button", "svg", "template"}
SKIP_IDS = {"SearchFrame", "DonationFrame", "DEBUG", "TopLeftHeader"}
SKIP_CLASSES = {"navheader", "navfooter", "toc", "breadcrumbs", "debug",
                "noteicon", "list-of-tables", "list-of-figures",
                "list-of-examples"}


class TextExtractor(html.parser.HTMLParser):
    """Collects text, and the headings at which a split may start.

    self.parts is a list of strings; self.marks a list of (index into parts,
    heading level, anchor id) for each h1..h3 met, so a caller can cut the
    page into sections."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.marks = []
        self.title = ""
        self.skip_depth = 0      # >0 inside a skipped element
        self.stack = []          # (tag, skipped?) of open non-void elements
        self.in_title = False
        self.heading = None      # (level, start index) inside h1..h3
        self.last_anchor = ""
        self.pre_depth = 0       # inside <pre>, line breaks are kept

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "title":
            self.in_title = True
        if tag == "a" and ("id" in a or "name" in a):
            self.last_anchor = a.get("id") or a.get("name") or ""
        if tag in VOID:
            if tag == "br" and not self.skip_depth:
                self.parts.append("\n")
            return
        classes = set((a.get("class") or "").split())
        skip = (tag in SKIP_TAGS or "hidden" in a or a.get("id") in SKIP_IDS
                or classes & SKIP_CLASSES)
        self.stack.append((tag, bool(skip)))
        if skip:
            self.skip_depth += 1
            return
        if self.skip_depth:
            return
        if tag in BLOCK:
            self.parts.append("\n")
        if tag == "pre":
            self.pre_depth += 1
        if tag in ("h1", "h2", "h3"):
            # DocBook puts the section's anchor inside the heading:
            # <h2><a id="_x"></a>1.2. Title</h2>; it is read at </h2>.
            self.heading = (int(tag[1]), len(self.parts))
            self.last_anchor = a.get("id") or ""

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if tag in VOID:
            return
        # Pop to the matching open tag (HTML in the wild is not always
        # well nested); an end tag with no open match is ignored.
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                for _, skipped in self.stack[i:]:
                    if skipped:
                        self.skip_depth -= 1
                del self.stack[i:]
                break
        else:
            return
        if tag == "pre" and self.pre_depth:
            self.pre_depth -= 1
        if self.skip_depth:
            return
        if tag in BLOCK:
            self.parts.append("\n")
        if self.heading and tag == "h%d" % self.heading[0]:
            level, start = self.heading
            anchor = self.last_anchor
            text = clean_inline("".join(self.parts[start:]))
            self.marks.append((start, level, anchor, text))
            self.heading = None

    def handle_data(self, data):
        if self.in_title:
            self.title += data
            return
        if not self.skip_depth:
            # Line breaks of the HTML source are not line breaks of the text.
            self.parts.append(data if self.pre_depth
                              else re.sub(r"\s+", " ", data))


# Japanese scripts and full-width forms: no spaces between them.
CJK = "\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60"
CJK_SPACE = re.compile("(?<=[%s])[ \t]+(?=[%s])" % (CJK, CJK))


def clean_inline(s):
    return re.sub(r"\s+", " ", s).strip()


def clean_text(s):
    """One line per block, spaces collapsed, no blank-line runs."""
    lines = []
    for line in s.split("\n"):
        line = re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip()
        line = CJK_SPACE.sub("", line)
        if line:
            lines.append(line)
    return "\n".join(lines)


def parse(path):
    p = TextExtractor()
    with open(path, encoding="utf-8", errors="replace") as f:
        p.feed(f.read())
    p.close()
    return p


def files(root, pattern):
    out = []
    for d, dirs, names in os.walk(root):
        dirs.sort()
        for n in names:
            if re.search(pattern, n):
                out.append(os.path.join(d, n))
    return sorted(out)


def emit(doc_id, title, body, source):
    if not body:
        return 0
    sys.stdout.write(json.dumps({"id": doc_id, "title": title, "body": body,
                                 "source": source}, ensure_ascii=False) + "\n")
    return 1


def whole_pages(root, source, pattern):
    """One document per page; the title from <title> (else the first h1)."""
    n = 0
    for path in files(root, pattern):
        p = parse(path)
        body = clean_text("".join(p.parts))
        title = clean_inline(p.title)
        if not title and p.marks:
            title = p.marks[0][3]
        rel = os.path.relpath(path, root)
        n += emit("%s/%s" % (source, rel), title or rel, body, source)
    return n


def sections(root, source, pattern, max_level):
    """One document per heading of level <= max_level; the text before the
    first heading joins the first section."""
    n = 0
    for path in files(root, pattern):
        p = parse(path)
        rel = os.path.relpath(path, root)
        cuts = [m for m in p.marks if m[1] <= max_level]
        if not cuts:
            n += emit("%s/%s" % (source, rel), clean_inline(p.title) or rel,
                      clean_text("".join(p.parts)), source)
            continue
        for i, (start, _, anchor, text) in enumerate(cuts):
            begin = 0 if i == 0 else start
            end = cuts[i + 1][0] if i + 1 < len(cuts) else len(p.parts)
            body = clean_text("".join(p.parts[begin:end]))
            doc_id = "%s/%s#%s" % (source, rel, anchor or "s%d" % i)
            n += emit(doc_id, text or rel, body, source)
    return n


def main(argv):
    if len(argv) != 3 or argv[1] not in ("libreoffice", "debian-reference",
                                         "gimp"):
        sys.stderr.write(__doc__)
        return 2
    kind, root = argv[1], argv[2]
    if not os.path.isdir(root):
        sys.stderr.write("extract_docs: %s is not a directory\n" % root)
        return 1
    if kind == "libreoffice":
        n = whole_pages(root, "libreoffice-help-ja",
                        r"^(?!noscript\.html$).*\.html$")
    elif kind == "gimp":
        n = whole_pages(root, "gimp-help-ja", r"\.html$")
    else:
        n = sections(root, "debian-reference-ja", r"\.ja\.html$", 3)
    sys.stderr.write("extract_docs: %s: %d documents\n" % (kind, n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
