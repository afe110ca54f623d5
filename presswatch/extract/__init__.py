"""Extraction: raw bytes in, an Article or a Rejection out (presswatch.extract.document).

The version lives here, not in document.py: landing records it with every batch, and reading it from
document.py made the flow process import trafilatura and the extraction rules (0.24 CPU s) that only the
workers run.
"""

EXTRACTOR_VERSION = "1.4.1"  # 1.4: appended-article cut, encyclopedia apparatus, script dates (issue 17)
