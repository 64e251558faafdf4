"""LTI 1.3 tool (#21): Verdict inside Moodle and Canvas. OIDC login initiation, launch validated by ``pylti1p3``
against the platform's JWKS, the tool's own JWKS with key rotation, and the mapping of platform users, contexts and
resource links to Verdict's users, courses and assessments."""
