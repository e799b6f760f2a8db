"""formcheck's analyzer: video -> pose -> track -> features -> reps -> report.

Everything that is not specific to one exercise lives here; the per-exercise
rules live in the sibling package ``rules``.
"""

__version__ = "0.1.0"
