"""The question set: questions.toml loaded and checked, the active set, stored versions, themes."""
