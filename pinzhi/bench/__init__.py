"""The benchmark harness (issue 9 item 1): a bulk loader of realistic data at 10 k, 100 k
and 1 M complaints, measures beside their plain-SQL counterparts, and the report written
into docs/benchmarks.md. It sits above every app (it may import them all; none imports it).
"""
