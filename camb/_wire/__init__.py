"""Request building and response parsing against the generated layer. No I/O."""
