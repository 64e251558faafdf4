"""Similarity reports: token fingerprints (winnowing, through copydetect) of the counted submissions to one code
question, compared pair by pair in a background job on the api-tasks worker."""
