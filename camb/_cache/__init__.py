"""The speech cache (`_store`) and what jobs cost (`_cost`): never pay twice, know the cost
before paying."""
