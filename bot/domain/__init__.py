"""The domain: vocabulary, rules and errors; imports no framework."""
