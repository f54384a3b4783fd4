#!/usr/bin/env python3
# Prints one configuration example of rpxd.conf(5) as plain text, for
# t_93_manpages.sh to compare with etc/examples/NAME: the literal display
# between '.\" begin example etc/examples/NAME' and '.\" end example',
# with the mdoc escapes (\e, \&, \(dq) undone.
# Usage: manpage_example.py PAGE NAME; exit 1 when the markers are missing.
import re
import sys

page, name = sys.argv[1], sys.argv[2]
with open(page) as fh:
    text = fh.read()
m = re.search(r'^\.\\" begin example etc/examples/' + re.escape(name) +
              r'\n\.Bd -literal[^\n]*\n(.*?)^\.Ed\n\.\\" end example$',
              text, re.S | re.M)
if m is None:
    sys.exit("%s: no example etc/examples/%s between markers" % (page, name))
out = m.group(1)
out = out.replace("\\&", "").replace("\\(dq", '"').replace("\\e", "\\")
sys.stdout.write(out)
