"""The regression gate: it decides a run's exit status from a baseline and a floor.

`settings` reads its options, `baseline` is the file it compares with, and
`decide` compares a run with it (paired, per case) and decides. The report
only renders the decision (`report.gate`, `report.html.gate`); the pytest
hooks that drive it are in `plugin.gate`.
"""
