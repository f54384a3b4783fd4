#!/usr/bin/env python3
# Checks rpxd.conf(5) and etc/rpxd.conf against the parser's option tables
# (the cfg_opt_t arrays and int_options[] in common/config_*.c), for
# t_93_manpages.sh: every option must be documented in the page's
# subsection for its section, with its default (or "required", "optional",
# "no default"), and appear in etc/rpxd.conf (commented out is fine).
# With "json FILE", it checks that the JSON of `rpxctl -j show config`
# names every option (t_82_rpxctl.sh), so show config misses none.
# Usage: manpage_options.py TOP page|conf|json [FILE]; prints one line per
# problem and exits 1 when there is one.
import os
import re
import sys

# Where each configuration section is documented in rpxd.conf(5).
SUBSECTION = {
    "": "Global options",
    "backend": "Backends",
    "backend|health-check": "Backends",
    "listener": "Listeners and routes",
    "listener|route": "Listeners and routes",
    "listener|tls": "TLS listeners",
    "listener|tls|certificate": "TLS listeners",
}

CFG = re.compile(r'CFG_(STR_LIST|INT_LIST|STR|INT|BOOL|FLOAT|SEC)\(\s*'
                 r'"([^"]+)"\s*,\s*((?:"(?:[^"\\]|\\.)*"\s*)+|[^,]+)'
                 r'\s*,\s*([^)]*)\)')


def c_sources(top):
    d = os.path.join(top, "common")
    text = ""
    for f in sorted(os.listdir(d)):
        if f.startswith("config") and f.endswith(".c"):
            with open(os.path.join(d, f)) as fh:
                text += fh.read() + "\n"
    return text


def string_macros(text):
    """#define NAME "a" "b" ...: the concatenated strings."""
    macros = {}
    for m in re.finditer(r'#define\s+(\w+)\s+((?:\\\n|[^\n])*)', text):
        body = m.group(2).replace("\\\n", " ")
        parts = re.findall(r'"((?:[^"\\]|\\.)*)"', body)
        if parts and re.fullmatch(r'\s*(?:"(?:[^"\\]|\\.)*"\s*)+', body):
            macros[m.group(1)] = "".join(parts)
    return macros


def default_of(kind, arg, flags, macros):
    """The literal default, None when there is none, "" when empty."""
    arg = arg.strip()
    if "CFGF_NODEFAULT" in flags or arg == "NULL" or kind == "SEC":
        return None
    if arg.startswith('"'):
        return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', arg))
    if arg in ("cfg_true", "cfg_false"):
        return arg[4:]
    if arg in macros:
        return macros[arg]
    if re.fullmatch(r'-?\d+', arg):
        return arg
    return None


def tables(text):
    """{array name: [(kind, option, default or None, child array)]}."""
    macros = string_macros(text)
    arrays = {}
    for m in re.finditer(r'cfg_opt_t\s+(\w+)\[\]\s*=\s*\{(.*?)\n\};',
                         text, re.S):
        arrays[m.group(1)] = m.group(2)
    # The root is built at run time in config_schema().
    m = re.search(r'\nconfig_schema\(void\)\n\{(.*?)\n\}', text, re.S)
    if m is None:
        sys.exit("manpage_options.py: config_schema() not found")
    arrays["<root>"] = m.group(1)
    out = {}
    for name, body in arrays.items():
        opts = []
        for o in CFG.finditer(body):
            kind, opt, arg, flags = o.groups()
            child = arg.strip() if kind == "SEC" else None
            opts.append((kind, opt, default_of(kind, arg, flags, macros),
                         child))
        out[name] = opts
    m = re.search(r'int_options\[\]\s*=\s*\{(.*?)\n\};', text, re.S)
    if m is None:
        sys.exit("manpage_options.py: int_options[] not found")
    for o in re.finditer(r'\{\s*"([^"]+)"\s*,\s*(-?\d+)\s*,', m.group(1)):
        out["<root>"].append(("INT", o.group(1), o.group(2), None))
    return out


def walk(tabs):
    """[(section path, kind, option, default)] from the root down."""
    res, seen = [], set()

    def go(array, path):
        seen.add(array)
        for kind, opt, dflt, child in tabs.get(array, []):
            res.append((path, kind, opt, dflt))
            if child is not None:
                go(child, (path + "|" if path else "") + opt)
    go("<root>", "")
    for array in tabs:
        if array not in seen:
            res.append(("?" + array, "ARRAY", array, None))
    return res


def unescape(s):
    s = s.replace("\\(dq", '"').replace("\\&", "").replace("\\e", "\\")
    return s.replace("\\(en", "-").replace("\\-", "-")


def items(page, subsection):
    """The .It entries of one .Ss, each as (head line, whole text)."""
    m = re.search(r'^\.Ss ' + re.escape(subsection) + r'\n(.*?)(?=^\.S[sh] )',
                  page, re.S | re.M)
    if m is None:
        return None
    res, depth, cur = [], 0, None
    for line in m.group(1).split("\n"):
        if line.startswith(".Bl"):
            depth += 1
        elif line.startswith(".El"):
            depth -= 1
            if depth == 0 and cur is not None:
                res.append(cur)
                cur = None
            continue
        if line.startswith(".It") and depth == 1:
            if cur is not None:
                res.append(cur)
            cur = [line, line]
        elif cur is not None:
            cur[1] += "\n" + line
    if cur is not None:
        res.append(cur)
    return res


def names_in_head(head):
    """The option names an .It line documents: Cm a , b ... Pq."""
    words, names, in_cm = head.split()[1:], [], False
    for w in words:
        if w == "Cm":
            in_cm = True
        elif w in ("Pq", "No", "Ar", "Qq", "Ql", "Li", "{", "}"):
            in_cm = False
        elif in_cm and w != ",":
            names.append(w)
    return names


def check_page(top, opts):
    with open(os.path.join(top, "etc", "rpxd.conf.5")) as fh:
        page = fh.read()
    problems = []
    for path, kind, opt, dflt in opts:
        if path.startswith("?"):
            problems.append("cfg_opt_t %s[] is not reachable from the "
                            "root of config_schema()" % opt)
            continue
        if kind == "SEC":
            # named as Cm, or shown in a literal display: name "x" {
            if not re.search(r'\bCm ' + re.escape(opt) + r'\b', page) and \
                    not re.search(r'(?m)^\s*' + re.escape(opt) +
                                  r'\s*(?:"[^"]*"\s*)?\{', page):
                problems.append("section %s: neither named (Cm %s) nor "
                                "shown in rpxd.conf.5" % (opt, opt))
            continue
        where = "%s%s" % (path + "|" if path else "", opt)
        sub = SUBSECTION.get(path)
        if sub is None:
            problems.append("%s: no subsection of rpxd.conf.5 is known for "
                            "section \"%s\" (add it to SUBSECTION in %s)"
                            % (where, path, os.path.basename(__file__)))
            continue
        its = items(page, sub)
        if its is None:
            problems.append("%s: rpxd.conf.5 has no .Ss %s" % (where, sub))
            continue
        found = [it for it in its if opt in names_in_head(it[0])]
        if not found:
            problems.append("%s: no \".It Cm %s\" under .Ss %s"
                            % (where, opt, sub))
            continue
        head, body = found[0]
        # a long colon list may be broken after its colons
        text = re.sub(r':\n', ':', unescape(body))
        says = " Pq " in head or re.search(
            r'default|required|optional', text, re.I)
        if not says:
            problems.append("%s: the entry gives no default (Pq ..., or "
                            "says default, required or optional)" % where)
        if dflt:
            lit = re.escape(dflt)
            if not re.search(r'(?<![\w.-])' + lit + r'(?![\w.-])', text):
                problems.append("%s: the default %s is not in the entry"
                                % (where, dflt))
    return problems


def check_conf(top, opts):
    with open(os.path.join(top, "etc", "rpxd.conf")) as fh:
        conf = fh.read()
    problems = []
    for path, kind, opt, dflt in opts:
        if path.startswith("?"):
            continue
        # an assignment or a section, commented out or not
        pat = (r'(?m)^[\s#]*' + re.escape(opt) +
               (r'\s*(?:"[^"]*"\s*)?\{' if kind == "SEC" else r'\s*='))
        if not re.search(pat, conf):
            problems.append("%s%s: not in etc/rpxd.conf"
                            % (path + "|" if path else "", opt))
    return problems


def check_json(path, opts):
    """Every option as a key of the objects its section path leads to."""
    import json
    with open(path) as fh:
        root = json.load(fh)
    problems = []
    for spath, kind, opt, dflt in opts:
        if spath.startswith("?"):
            continue
        objs = [root]
        for part in spath.split("|") if spath else []:
            nxt = []
            for o in objs:
                v = o.get(part)
                nxt.extend(v if isinstance(v, list) else
                           [v] if isinstance(v, dict) else [])
            objs = nxt
        if not objs:
            problems.append("%s: no such section in the JSON" % spath)
        elif not any(opt in o for o in objs):
            problems.append("%s%s: not in show config"
                            % (spath + "|" if spath else "", opt))
    return problems


def main():
    modes = {"page": 3, "conf": 3, "json": 4}
    if len(sys.argv) < 3 or modes.get(sys.argv[2]) != len(sys.argv):
        sys.exit("usage: manpage_options.py TOP page|conf|json [FILE]")
    top = sys.argv[1]
    opts = walk(tables(c_sources(top)))
    if len(opts) < 40:
        sys.exit("manpage_options.py: only %d options read from the "
                 "parser: the tables changed shape" % len(opts))
    if sys.argv[2] == "json":
        problems = check_json(sys.argv[3], opts)
    else:
        problems = (check_page if sys.argv[2] == "page" else
                    check_conf)(top, opts)
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


main()
