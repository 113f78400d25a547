#!/usr/bin/env python3
"""commands.py — which programs do the test scripts call, and does
scripts/setup.sh install them?

    commands.py [--list] --packages "PKG ..." FILE...

It reads shell scripts (and python files) without running them and finds the
words in command position: the first word of every simple command (after
assignments and redirections, after `|`, `&&`, `;`, `$(`, backticks, `<(`,
`if`, `then`, `do`, `!` ...), and the command that a wrapper runs (`command
-v X`, `xargs X`, `timeout N X`, `flock FILE X`, `valgrind ... X`, `setpriv
... X`, `env X`, `exec X`, the string of `trap`). Heredoc bodies are python
(or data), not shell: they and every .py file are searched for
subprocess.run([NAME, ...]) where NAME is a quoted literal. Words
that are not literal ($S, "$SAGASU"), functions defined in the files, bash
builtins and keywords, and paths into the repository are not programs.

Each program is looked up on PATH (and in /usr/bin, /bin, /usr/sbin, /sbin,
so that a python3 shim in front of Debian's still counts) and `dpkg -S` names
the package that owns it. The program is provided when that package is one of
--packages, or is pulled in by one of them (Depends and Pre-Depends,
transitively), or is Essential or of priority required in Debian (bash,
coreutils, grep, sed, mawk, findutils, diffutils, util-linux, dpkg, apt, ...),
which every Debian system has.

Prints one line per program: "ok<TAB>PROGRAM<TAB>PACKAGE<TAB>WHY" or
"MISSING<TAB>PROGRAM<TAB>FILE:LINE<TAB>WHY"; with --list, only the programs
and where they are first called. Exit status 1 when a program is MISSING.
Limits: strings run by `bash -c`, `eval` or `python3 -c` are not read as shell.
"""
import os
import re
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# words after which the next word is again in command position
PREFIX = {"if", "then", "else", "elif", "do", "while", "until", "!", "{", "}",
          "time", "fi", "done", "esac", "in"}
SKIP_ARGS = {  # wrapper: how many non-option words come before the command it runs
    "command": 0, "xargs": 0, "exec": 0, "env": 0, "nice": 0, "nohup": 0,
    "valgrind": 0, "setpriv": 0, "sudo": 0, "builtin": 0, "timeout": 1, "flock": 1,
    "function": 1,  # function NAME { BODY }: NAME is not run, BODY is
}
OPTARG = {  # a wrapper's options that take the next word as their value
    "timeout": {"-s", "-k", "--signal", "--kill-after"},
    "flock": {"-w", "--timeout", "-E", "--conflict-exit-code"},
    "xargs": {"-n", "-I", "-P", "-L", "-d", "-a", "-s", "-E", "--max-args", "--max-procs",
              "--delimiter", "--arg-file"},
    "env": {"-u", "-C", "-S", "--unset", "--chdir"},
    "nice": {"-n", "--adjustment"},
    "sudo": {"-u", "-g"},
}
NOT_A_PROGRAM = re.compile(r"^(-.*|[0-9.]+[a-z]?|.*=.*)$")
SUBPROCESS = re.compile(r"""subprocess\.(?:run|Popen|call|check_call|check_output)\(\s*\[\s*["']([^"'$]+)["']""")
ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")
FUNC = re.compile(r"^\s*(?:function\s+([A-Za-z_][A-Za-z0-9_:.-]*)|([A-Za-z_][A-Za-z0-9_:.-]*)\s*\(\))", re.M)
HEREDOC = re.compile(r"(?<!<)<<-?(?!<)\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")


class Word:
    def __init__(self, text, literal, line, raw_sq=None):
        self.text, self.literal, self.line, self.raw_sq = text, literal, line, raw_sq


class Scanner:
    """Tokenizes shell text into words and operators; command substitutions
    and process substitutions are scanned as shell of their own."""

    def __init__(self, src, path, found):
        self.s, self.path, self.found = src, path, found
        self.i, self.line = 0, 1

    def peek(self, k=0):
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    def adv(self, n=1):
        for _ in range(n):
            if self.i < len(self.s) and self.s[self.i] == "\n":
                self.line += 1
            self.i += 1

    def skip_arith(self):
        """after `$((` or `((`: to the matching `))`"""
        depth = 2
        while self.i < len(self.s) and depth:
            c = self.peek()
            depth += (c == "(") - (c == ")")
            self.adv()

    def sub(self, term):
        """a nested command list up to `term` (`)` or a backtick)"""
        toks = self.tokens(term)
        analyze(toks, self.path, self.found)

    def dquote(self):
        """inside "...": only substitutions matter; returns the text and
        whether it was literal"""
        buf, literal = [], True
        while self.i < len(self.s):
            c = self.peek()
            if c == "\\":
                buf.append(self.peek(1))
                self.adv(2)
            elif c == '"':
                self.adv()
                break
            elif c == "$" and self.peek(1) == "(" and self.peek(2) == "(":
                self.adv(3)
                self.skip_arith()
                literal = False
            elif c == "$" and self.peek(1) == "(":
                self.adv(2)
                self.sub(")")
                literal = False
            elif c == "`":
                self.adv()
                self.sub("`")
                literal = False
            elif c == "$":
                literal = False
                buf.append(c)
                self.adv()
            else:
                buf.append(c)
                self.adv()
        return "".join(buf), literal

    def tokens(self, term=None):
        toks = []
        while self.i < len(self.s):
            c = self.peek()
            if term == ")" and c == ")":
                self.adv()
                return toks
            if term == "`" and c == "`":
                self.adv()
                return toks
            if c in " \t":
                self.adv()
            elif c == "\\" and self.peek(1) == "\n":
                self.adv(2)
            elif c == "#":
                while self.i < len(self.s) and self.peek() != "\n":
                    self.adv()
            elif c == "\n":
                toks.append(("op", "\n", self.line))
                self.adv()
            elif c == "(" and self.peek(1) == "(":
                self.adv(2)
                self.skip_arith()
            elif c in "<>" and self.peek(1) == "(":
                self.adv(2)
                self.sub(")")
                toks.append(Word("<(...)", False, self.line))
            elif c in "|&;()<>":
                op = c
                self.adv()
                while op + self.peek() in ("||", "&&", ";;", ";&", ";;&", "|&", ">>", ">&", "<&",
                                           "&>", "&>>", "<<", "<<<", ">|", "<>"):
                    op += self.peek()
                    self.adv()
                toks.append(("op", op, self.line))
            else:
                toks.append(self.word())
        return toks

    def word(self):
        line, buf, literal, raw_sq = self.line, [], True, None
        while self.i < len(self.s):
            c = self.peek()
            if c == "(" and buf and ASSIGN.match("".join(buf)) and "".join(buf).endswith("="):
                self.adv()
                self.tokens(")")           # NAME=(...): an array's words, not commands
                literal = False
                break
            if c in " \t\n|&;()<>":
                break
            if c == "\\":
                buf.append(self.peek(1))
                self.adv(2)
            elif c == "'":
                j = self.s.find("'", self.i + 1)
                j = len(self.s) if j < 0 else j
                raw_sq = self.s[self.i + 1:j]
                buf.append(raw_sq)
                while self.i <= j and self.i < len(self.s):
                    self.adv()
                literal = literal and bool(buf)
            elif c == '"':
                self.adv()
                t, lit = self.dquote()
                buf.append(t)
                literal = literal and lit
            elif c == "$" and self.peek(1) == "(" and self.peek(2) == "(":
                self.adv(3)
                self.skip_arith()
                literal = False
            elif c == "$" and self.peek(1) == "(":
                self.adv(2)
                self.sub(")")
                literal = False
            elif c == "`":
                self.adv()
                self.sub("`")
                literal = False
            elif c == "$":
                literal = False
                buf.append(c)
                self.adv()
            else:
                buf.append(c)
                self.adv()
        w = "".join(buf)
        # 2>file, 3>&-: a file-descriptor number glued to a redirection
        if w.isdigit() and self.peek() in "<>":
            return ("op", "fd", line)
        return Word(w, literal, line, raw_sq)


def analyze(toks, path, found):
    expect, redirect, wrapper, case_mode, optarg = True, False, None, [], False
    dbracket = False
    for t in toks:
        if dbracket:                      # [[ ... ]]: a test, its ( and | are not operators
            if isinstance(t, Word) and t.text == "]]":
                dbracket = False
            continue
        if isinstance(t, tuple):
            _, op, _line = t
            if op == "fd":
                continue
            if op in (">", ">>", "<", ">&", "<&", "&>", "&>>", ">|", "<>", "<<", "<<<"):
                redirect = True
                continue
            if case_mode and case_mode[-1] == "pattern":
                if op == ")":
                    case_mode[-1] = "body"
                    expect = True
                continue
            if op in (";;", ";&", ";;&") and case_mode:
                case_mode[-1] = "pattern"
                continue
            expect, wrapper = True, None
            continue
        if redirect:
            redirect = False
            continue
        w = t.text
        if case_mode and case_mode[-1] == "word":
            if w == "in":
                case_mode[-1] = "pattern"
            continue
        if case_mode and case_mode[-1] == "pattern":
            if w == "esac":
                case_mode.pop()
                expect = True
            continue
        if case_mode and case_mode[-1] == "for":
            if w == "do":
                case_mode.pop()
                expect = True
            continue
        if not expect:
            continue
        if wrapper is not None:
            name, left = wrapper
            if optarg:
                optarg = False
                continue
            if w.startswith("-") and t.literal:
                optarg = w in OPTARG.get(name, ())
                continue
            if t.literal and ASSIGN.match(w) and name == "env":
                continue
            if left > 0:
                wrapper = (name, left - 1)
                continue
            wrapper = None
        if t.literal and ASSIGN.match(w):
            continue
        if w in PREFIX and t.literal:
            if w == "esac" and case_mode:
                case_mode.pop()
            continue
        if w == "case" and t.literal:
            case_mode.append("word")
            expect = False
            continue
        if w in ("for", "select") and t.literal:
            case_mode.append("for")
            continue
        expect = False
        if w == "[[" and t.literal:
            dbracket = True
            continue
        if not t.literal or not w or NOT_A_PROGRAM.match(w):
            continue
        found.append((w, path, t.line))
        if w in SKIP_ARGS:
            wrapper, expect, optarg = (w, SKIP_ARGS[w]), True, False
    return found


def scan_file(path):
    src = open(path, encoding="utf-8", errors="replace").read()
    found = []
    for m in SUBPROCESS.finditer(src):
        found.append((m.group(1), path, src.count("\n", 0, m.start()) + 1))
    if path.endswith(".py"):
        return found, set()
    # heredoc bodies become empty lines (line numbers kept)
    out, term = [], None
    for ln in src.split("\n"):
        if term is not None:
            if ln.lstrip("\t") == term:
                term = None
            out.append("")
            continue
        m = HEREDOC.search(ln)
        if m:
            term = m.group(2)
        out.append(ln)
    text = "\n".join(out)
    funcs = {a or b for a, b in FUNC.findall(text)}
    sc = Scanner(text, path, found)
    toks = sc.tokens()
    analyze(toks, path, found)
    # the string a trap runs is shell too
    for i, t in enumerate(toks):
        if isinstance(t, Word) and t.literal and t.text == "trap" and i + 1 < len(toks):
            n = toks[i + 1]
            if isinstance(n, Word) and n.raw_sq is not None:
                sub = Scanner(n.raw_sq, path, found)
                sub.line = n.line
                analyze(sub.tokens(), path, found)
    return found, funcs


def candidates(prog):
    """the paths PROG may be run from, PATH's first"""
    cands = []
    p = shutil.which(prog)
    if p:
        cands += [p, os.path.realpath(p)]
    for d in ("/usr/bin", "/bin", "/usr/sbin", "/sbin"):
        q = os.path.join(d, prog)
        if os.path.exists(q):
            cands += [q, os.path.realpath(q)]
    return list(dict.fromkeys(cands))


def owners(progs):
    """PROG -> (package, path) of the Debian package that installs it, for
    those that one does; one dpkg -S call (each call reads dpkg's whole file
    database)"""
    cands = {p: candidates(p) for p in progs}
    paths = sorted({c for cs in cands.values() for c in cs})
    pkg_of = {}
    if paths:
        r = subprocess.run(["dpkg", "-S"] + paths, capture_output=True, text=True)
        for line in r.stdout.splitlines():
            if line.startswith("diversion "):
                continue
            pkgs, _, path = line.partition(": ")
            pkg_of.setdefault(path.strip(), pkgs.split(",")[0].strip().split(":")[0])
    out = {}
    for p, cs in cands.items():
        for c in cs:
            if c in pkg_of:
                out[p] = (pkg_of[c], c)
                break
    return out


def installed():
    """name -> (essential-or-required, [dependency names]) of installed packages,
    and virtual name -> providers"""
    fmt = "${Package}\t${Status}\t${Essential}\t${Priority}\t${Provides}\t${Depends}, ${Pre-Depends}\n"
    out = subprocess.run(["dpkg-query", "-W", "-f=" + fmt], capture_output=True, text=True).stdout
    db, provides = {}, {}
    names = lambda f: [re.sub(r"[\s(:].*", "", a.strip()) for part in f.split(",")
                       for a in part.split("|") if a.strip()]
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) < 6 or "install ok installed" not in f[1]:
            continue
        db[f[0]] = (f[2] == "yes" or f[3] == "required", names(f[5]))
        for v in names(f[4]):
            provides.setdefault(v, []).append(f[0])
    return db, provides


def closure(roots, db, provides):
    seen, todo = set(), list(roots)
    while todo:
        p = todo.pop()
        for q in [p] + provides.get(p, []):
            if q in seen or q not in db:
                continue
            seen.add(q)
            todo += db[q][1]
    return seen


def main(argv):
    listing = "--list" in argv
    argv = [a for a in argv if a != "--list"]
    if len(argv) < 3 or argv[0] != "--packages":
        sys.exit(__doc__)
    wanted, files = argv[1].split(), argv[2:]
    calls, funcs = [], set()
    for f in files:
        c, fn = scan_file(f)
        calls += c
        funcs |= fn
    builtins = set(subprocess.run(["bash", "-c", "compgen -b; compgen -k"], capture_output=True,
                                  text=True).stdout.split())
    first = {}
    for w, path, line in calls:
        if w in funcs or w in builtins:
            continue
        if "/" in w and os.path.exists(os.path.join(REPO, w)):
            continue
        first.setdefault(w, "%s:%d" % (os.path.relpath(path, REPO), line))
    if listing:
        for w in sorted(first):
            print(w + "\t" + first[w])
        return 0
    db, provides = installed()
    given = closure(wanted, db, provides)
    base = closure([p for p, (req, _) in db.items() if req], db, provides)
    bad = 0
    own = owners(first)
    for w in sorted(first):
        o = own.get(w)
        if o is None:
            bad += 1
            print("MISSING\t%s\t%s\tnot installed here, or from no Debian package" % (w, first[w]))
        elif o[0] in given:
            how = "listed" if o[0] in wanted else "a dependency of the listed packages"
            print("ok\t%s\t%s\t%s (%s)" % (w, o[0], how, o[1]))
        elif o[0] in base:
            print("ok\t%s\t%s\tEssential or required in Debian (%s)" % (w, o[0], o[1]))
        else:
            bad += 1
            print("MISSING\t%s\t%s\t%s (%s) is not in the set, nor Essential/required"
                  % (w, first[w], o[0], o[1]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
