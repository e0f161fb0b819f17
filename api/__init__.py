"""HTTP: translates requests into calls on spacemap and matching, and their results back."""
