from tests.dedupe.conftest import meiers  # noqa: F401  (the same three people)
