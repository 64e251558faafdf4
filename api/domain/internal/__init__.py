"""Routes for the judge fleet only (``/internal``), authenticated with the shared ``JUDGE_TOKEN``."""
