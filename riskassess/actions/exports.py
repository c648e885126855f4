"""The action plan as CSV and XLSX (placeholder until written)."""

FORMATS = ("csv", "xlsx")


def response(assessment, report, plan, fmt):
    raise NotImplementedError
