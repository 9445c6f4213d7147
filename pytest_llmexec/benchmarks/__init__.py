"""The shipped LeetCode-style suite: one YAML file per category.

A package so that an installed plugin can run it with no checkout:
``pytest --pyargs pytest_llmexec.benchmarks -p llmexec --llm-model=oracle``.
In the repository, ``benchmarks/`` at the top is a link to this directory.
"""
