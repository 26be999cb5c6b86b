"""The JSONL format of the guidelines: validation, and the round trip with Label Studio and Prodigy."""
