"""Menu understanding (classify) and content assessment facts (assess)."""
