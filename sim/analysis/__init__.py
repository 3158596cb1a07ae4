"""Analysis of experiment results: statistics, figures, sensitivity indices and reports."""
