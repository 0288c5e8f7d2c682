"""The pure rules of CESI-SC-OD13: values, numbers, levels, USCC, clauses, reasons and dates.

Nothing here reads the store or the clock; the aggregates depend only on these modules.
"""
