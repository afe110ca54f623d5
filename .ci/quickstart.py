"""Print the README's Quick start commands, one per line: the fenced bash blocks of that section, in order.

.ci/run executes exactly these, so the README and CI cannot drift apart.
"""

import re
import sys
from pathlib import Path

text = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md").read_text(encoding="utf-8")
section = re.search(r"^## Quick start\n(.*?)(?=^## )", text, re.S | re.M)
if not section:
    sys.exit("README.md has no '## Quick start' section")
blocks = re.findall(r"^```bash\n(.*?)^```", section.group(1), re.S | re.M)
commands = [" ".join(line.strip() for line in b.strip().splitlines() if not line.startswith("#")) for b in blocks]
if len(commands) != 2 or not all(commands):
    sys.exit(f"the Quick start must hold exactly two commands, found {len(commands)}")
print("\n".join(commands))
