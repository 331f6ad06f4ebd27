"""Report builders: pure renderers of the one EvaluationResult (report/result.py)."""
