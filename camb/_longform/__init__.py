"""Long-form speech without the network: planning, segmenting, reading and joining audio."""
